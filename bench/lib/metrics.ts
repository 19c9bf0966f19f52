// What a benchmark reads from a Parley server's /metrics page.

/** The chat send counters of a Prometheus text page: `sends`, `batches` and the stages' seconds. */
export async function scrapeStages(url: string): Promise<Record<string, number>> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  const out: Record<string, number> = {};
  for (const line of (await res.text()).split('\n')) {
    const m = /^parley_chat_(sends|send_batches)_total (\S+)$/.exec(line) ?? /^parley_chat_send_stage_seconds_total\{stage="(\w+)"\} (\S+)$/.exec(line);
    if (m) out[m[1] === 'send_batches' ? 'batches' : m[1]!] = Number(m[2]);
  }
  return out;
}
