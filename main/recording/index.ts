// Recording the live show: parts streamed from the renderer, repaired after crashes,
// rebuilt into one playable, seekable file per show.
export { Recordings, type RecordingsOptions } from './recordings';
export { diskThresholdsFromEnv, formatBytes, type DiskThresholds } from './disk-space';
export { RecordingUploader } from './recording-uploader';
export { MEDIA_PATH, parseRange, serveMedia, type MediaSource } from './recording-media';
