/** One figure of a benchmark, printed next to the baseline measured in the same run. */
export interface BenchResult {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  /** The same figure for the baseline (bare mediasoup, bare Socket.IO...), same run. */
  baseline?: number;
  baselineName?: string;
  goal?: string;
  note?: string;
}
