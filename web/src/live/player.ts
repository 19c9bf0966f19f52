// The live player's settings, shared with the latency benchmark
// (bench/recording.ts) so that it measures what viewers get: two segments
// behind the live edge, and a viewer who fell further behind (a late first
// playlist, a stall) catches up by playing up to 1.5x until it is there.
export const PLAYER_CONFIG = { liveSyncDurationCount: 2, liveMaxLatencyDurationCount: 5, maxLiveSyncPlaybackRate: 1.5 };
