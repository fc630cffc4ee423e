// Runs one browser-mode studio from the environment and prints its URL (see studio-process.ts).
import { loadConfig } from '../../main/studio/config';
import { startBrowserMode } from '../../main/web/browser-mode';

const studio = await startBrowserMode(loadConfig());
console.log(`STUDIO_URL=${studio.web.url}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void studio.stop().finally(() => process.exit(0)));
