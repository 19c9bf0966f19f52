// The live player's settings, shared with the latency benchmark
// (bench/recording.ts) so that it measures what viewers get. Three segments
// behind the live edge, as RFC 8216 (6.3.3) asks of a client: with two (4 s),
// one segment late by 2 s (a loaded recorder) stalled the viewer at the edge,
// and hls.js, finding the playhead past a playlist that had not grown, seeked
// it back into what was already seen. A viewer who fell further behind (a late
// first playlist, a stall) catches up by playing up to 1.5x until it is there.
export const PLAYER_CONFIG = { liveSyncDurationCount: 3, liveMaxLatencyDurationCount: 5, maxLiveSyncPlaybackRate: 1.5 };
