// hls.js ships its light build (no subtitles, alternate audio, DRM or CMCD:
// nothing our streams use) without types of its own; it is the same API.
declare module 'hls.js/light' {
  import Hls from 'hls.js';
  export default Hls;
}
