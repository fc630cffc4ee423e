import { EmptyState } from '../components/EmptyState';

export function StudioView() {
  return (
    <EmptyState title="Studio">
      <p>
        This is where you go live: your camera and microphone, composed into the program you stream, with your
        product queue beside it.
      </p>
      <p>
        Nothing is live yet. Going live needs the media server (SFU) connected; its state is in the status bar
        below.
      </p>
    </EmptyState>
  );
}
