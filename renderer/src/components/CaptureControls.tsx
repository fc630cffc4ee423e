import {
  selectCamera,
  selectMicrophone,
  setMirrorCamera,
  setMuted,
  setScreenLayout,
  startScreenShare,
  stopScreenShare,
} from '../media/studio-media';
import { useStudioStore } from '../store';
import { MicMeter } from './MicMeter';

export function CaptureControls() {
  const cameras = useStudioStore((state) => state.cameras);
  const microphones = useStudioStore((state) => state.microphones);
  const cameraId = useStudioStore((state) => state.cameraId);
  const microphoneId = useStudioStore((state) => state.microphoneId);
  const muted = useStudioStore((state) => state.muted);
  const screenSharing = useStudioStore((state) => state.screenSharing);
  const screenLayout = useStudioStore((state) => state.screenLayout);
  const mirrorCamera = useStudioStore((state) => state.mirrorCamera);
  const captureError = useStudioStore((state) => state.captureError);

  return (
    <section className="capture-controls" aria-label="Camera and microphone">
      <label>
        Camera
        <select
          data-testid="camera-select"
          value={cameraId ?? ''}
          onChange={(event) => void selectCamera(event.target.value || null)}
        >
          {cameras.length === 0 && <option value="">No camera found</option>}
          {cameras.map((device) => (
            <option key={device.deviceId} value={device.deviceId}>
              {device.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Microphone
        <select
          data-testid="microphone-select"
          value={microphoneId ?? ''}
          onChange={(event) => void selectMicrophone(event.target.value || null)}
        >
          {microphones.length === 0 && <option value="">No microphone found</option>}
          {microphones.map((device) => (
            <option key={device.deviceId} value={device.deviceId}>
              {device.label}
            </option>
          ))}
        </select>
      </label>
      <div className="row">
        <MicMeter />
        <button
          data-testid="mute-button"
          aria-pressed={muted}
          title="Mute or unmute your microphone (M)"
          onClick={() => setMuted(!muted)}
        >
          {muted ? 'Unmute' : 'Mute'}
        </button>
      </div>
      <div className="row">
        <button
          data-testid="screen-share-button"
          onClick={() => void (screenSharing ? stopScreenShare() : startScreenShare())}
        >
          {screenSharing ? 'Stop sharing' : 'Share screen'}
        </button>
        <select
          aria-label="Screen layout"
          value={screenLayout}
          onChange={(event) => setScreenLayout(event.target.value as 'pip' | 'side-by-side')}
        >
          <option value="pip">Camera in corner</option>
          <option value="side-by-side">Side by side</option>
        </select>
        <label className="inline">
          <input
            type="checkbox"
            checked={mirrorCamera}
            onChange={(event) => setMirrorCamera(event.target.checked)}
          />
          Mirror
        </label>
      </div>
      {captureError && (
        <p className="error" role="alert" data-testid="capture-error">
          {captureError}
        </p>
      )}
    </section>
  );
}
