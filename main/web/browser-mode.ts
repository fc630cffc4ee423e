// Browser mode: the studio services plus the web server, in one Node process.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signalingOrigins } from '../security';
import { startStudioServices, type StudioConfig, type StudioServices } from '../studio';
import { startWebServer, type WebServer } from './web-server';

export const RENDERER_DIR = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  'out',
  'renderer',
);

export interface BrowserMode {
  services: StudioServices;
  web: WebServer;
  stop(): Promise<void>;
}

export async function startBrowserMode(
  config: StudioConfig,
  options: { port?: number; rendererDir?: string } = {},
): Promise<BrowserMode> {
  const services = startStudioServices(config);
  try {
    const web = await startWebServer({
      host: services.host,
      rendererDir: options.rendererDir ?? RENDERER_DIR,
      ...(options.port !== undefined ? { port: options.port } : {}),
      connectOrigins: signalingOrigins(config.sfu.url),
      media: (showId) => services.recordingMedia(showId),
    });
    return {
      services,
      web,
      async stop() {
        await web.close();
        await services.stop();
      },
    };
  } catch (error) {
    await services.stop();
    throw error;
  }
}
