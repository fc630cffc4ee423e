import { useEffect } from 'react';
import { CaptureControls } from '../media/CaptureControls';
import { GoLiveControl, isOnAir } from '../going-live/GoLiveControl';
import { StreamHealthPanel } from '../going-live/StreamHealthPanel';
import { KeyNumbers } from '../dashboard/KeyNumbers';
import { publisher } from '../going-live/publisher';
import { ProgramPreview } from '../program/ProgramPreview';
import { ProductRail } from '../products/ProductRail';
import { RecordingIndicator } from '../recording/RecordingIndicator';
import { setMuted, startDevices } from '../media/studio-media';
import { useStudioStore } from '../store';
import { isTypingTarget } from '../keyboard';

let devicesStarted = false;

/** M toggles mute, unless the host is typing in a field. Ctrl+Shift+L goes live, or asks to end the show. */
function useHostShortcuts(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey && event.shiftKey && event.key.toLowerCase() === 'l') {
        event.preventDefault();
        const { livePhase, setLive } = useStudioStore.getState();
        if (isOnAir(livePhase)) setLive({ confirmingEnd: true });
        // The studio picks the currency: the last show's, else the catalog's.
        else void publisher().goLive({ title: 'Live show' });
        return;
      }
      if (event.altKey || event.ctrlKey || event.metaKey || isTypingTarget(event.target)) return;
      if (event.key === 'm' || event.key === 'M') setMuted(!useStudioStore.getState().muted);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export function StudioView() {
  useHostShortcuts();
  useEffect(() => {
    if (devicesStarted) return;
    devicesStarted = true;
    void startDevices();
  }, []);
  return (
    <div className="studio-layout">
      <div className="studio-main">
        <KeyNumbers />
        <ProgramPreview />
      </div>
      <aside className="studio-side">
        <GoLiveControl />
        <RecordingIndicator />
        <StreamHealthPanel />
        <CaptureControls />
        <ProductRail />
      </aside>
    </div>
  );
}
