// The live player's settings, shared with the latency benchmark
// (bench/recording.ts) so that it measures what viewers get. Three segments
// behind the live edge, as RFC 8216 (6.3.3) asks of a client: with two (4 s),
// one segment late by 2 s (a loaded recorder) stalled the viewer at the edge,
// where hls.js may seek a starving playhead that is past a playlist that has
// not grown back into what was already seen (its synchronizeToLiveEdge). A viewer who fell further behind (a late
// first playlist, a stall) catches up by playing up to 1.5x until it is there.
export const PLAYER_CONFIG = { liveSyncDurationCount: 3, liveMaxLatencyDurationCount: 5, maxLiveSyncPlaybackRate: 1.5 };
