// Tracks a playing camera as fast as the tracker allows. FaceTracker.follow() waits for
// the next frame callback after each result, which adds up to one frame interval to
// every cycle; here a frame that arrived while the worker was busy is sent as soon as
// the result is back, and a frame is never tracked twice.
import type { FaceTracker, TrackedFace } from './face-tracker';

export function followFrames(
  tracker: FaceTracker,
  video: HTMLVideoElement,
  onFace: (tracked: TrackedFace) => void,
  onError: (error: Error) => void,
): () => void {
  let stopped = false;
  let presented = 0; // frames the video has shown so far
  let sent = -1; // the frame count last sent to the tracker

  const send = () => {
    if (stopped || tracker.busy || presented === sent) return;
    sent = presented;
    tracker.track(video).then(
      (tracked) => {
        if (stopped) return;
        onFace(tracked);
        send();
      },
      (error: Error) => {
        // One clear error, not one per frame.
        if (!stopped) onError(error);
        stopped = true;
      },
    );
  };
  const onFrame: VideoFrameRequestCallback = (_now, metadata) => {
    if (stopped) return;
    presented = metadata.presentedFrames;
    send();
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  return () => {
    stopped = true;
  };
}
