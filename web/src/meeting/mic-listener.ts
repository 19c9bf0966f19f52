// Hearing the microphone without sending anything: the level meter and the
// "you are muted" hint both listen to a copy of the track. The copy stays
// enabled while the real one is muted (enabled = false sends silence), and
// is never sent anywhere.

export interface MicListener {
  /** The loudest sample (0..1) among the last `fftSize` ones. */
  peak(): number;
  stop(): void;
}

export function listenTo(track: MediaStreamTrack, fftSize: number): MicListener {
  const copy = track.clone();
  copy.enabled = true;
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = fftSize;
  ctx.createMediaStreamSource(new MediaStream([copy])).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  return {
    peak() {
      analyser.getFloatTimeDomainData(samples);
      let peak = 0;
      for (const v of samples) peak = Math.max(peak, Math.abs(v));
      return peak;
    },
    stop() {
      copy.stop();
      void ctx.close();
    },
  };
}
