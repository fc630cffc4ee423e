import {
  selectCamera,
  selectMicrophone,
  setMirrorCamera,
  setMuted,
  setScreenLayout,
  startScreenShare,
  stopScreenShare,
} from './studio-media';
import type { DeviceOption } from '../store/media-slice';
import { useStudioStore } from '../store';
import { MicMeter } from './MicMeter';

function DeviceSelect(props: {
  label: string;
  testId: string;
  devices: DeviceOption[];
  selected: string | null;
  onSelect: (deviceId: string | null) => void;
}) {
  return (
    <label>
      {props.label}
      <select
        data-testid={props.testId}
        value={props.selected ?? ''}
        onChange={(event) => props.onSelect(event.target.value || null)}
      >
        {props.devices.length === 0 && <option value="">No {props.label.toLowerCase()} found</option>}
        {props.devices.map((device) => (
          <option key={device.deviceId} value={device.deviceId}>
            {device.label}
          </option>
        ))}
      </select>
    </label>
  );
}

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
      <DeviceSelect
        label="Camera"
        testId="camera-select"
        devices={cameras}
        selected={cameraId}
        onSelect={(id) => void selectCamera(id)}
      />
      <DeviceSelect
        label="Microphone"
        testId="microphone-select"
        devices={microphones}
        selected={microphoneId}
        onSelect={(id) => void selectMicrophone(id)}
      />
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
