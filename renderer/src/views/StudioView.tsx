import { useEffect } from 'react';
import { CaptureControls } from '../components/CaptureControls';
import { ProgramPreview } from '../components/ProgramPreview';
import { setMuted, startDevices } from '../media/studio-media';
import { useStudioStore } from '../store';

let devicesStarted = false;

/** M toggles mute, unless the host is typing in a field. */
function useHostShortcuts(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.altKey || event.ctrlKey || event.metaKey || target?.closest('input, textarea, select'))
        return;
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
        <ProgramPreview />
      </div>
      <aside className="studio-side">
        <CaptureControls />
      </aside>
    </div>
  );
}
