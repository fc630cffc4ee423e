// Keeps the store's connection state in step with the studio services.
import type { StudioLink } from '../studio-client';
import { useStudioStore } from '../store';

export function syncStatus(link: StudioLink): () => void {
  const { setLink, setStatus } = useStudioStore.getState();
  const refresh = () =>
    link.api
      .getStatus({})
      .then(setStatus, (error: Error) => console.warn(`Status unavailable: ${error.message}`));
  const stopPush = link.api.on('status', setStatus);
  const stopLink = link.onLinkState((state) => {
    setLink(state);
    if (state === 'connected') void refresh();
  });
  return () => {
    stopPush();
    stopLink();
  };
}
