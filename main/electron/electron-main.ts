// Electron main process: the app shell (window, security, permissions) around the
// studio services. Kept thin; the decisions live in ../security/policy.ts.
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, desktopCapturer, ipcMain, net, protocol, session } from 'electron';
import {
  APP_ORIGIN,
  contentSecurityPolicy,
  isAllowedNavigation,
  isAllowedPermission,
  signalingOrigins,
  windowOpenDecision,
} from '../security';
import { loadConfig, startStudioServices, type StudioServices } from '../studio';
import { attachIpcAdapter } from './ipc-adapter';
import { MEDIA_PATH, recordingResponse } from './media-protocol';

// Every renderer is sandboxed, whatever a window's own options say.
app.enableSandbox();

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let services: StudioServices | null = null;
  let mainWindow: BrowserWindow | null = null;

  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });

  // Applies to every web contents, including any created later.
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(windowOpenDecision);
    contents.on('will-navigate', (event, url) => {
      if (!isAllowedNavigation(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  app.whenReady().then(() => {
    const config = loadConfig();
    const rendererDir = join(app.getAppPath(), 'out', 'renderer');
    const csp = contentSecurityPolicy({ connectOrigins: signalingOrigins(config.sfu.url) });

    protocol.handle('app', async (request) => {
      let pathname: string;
      try {
        pathname = decodeURIComponent(new URL(request.url).pathname);
      } catch {
        return new Response('Bad request', { status: 400 });
      }
      if (pathname.startsWith(MEDIA_PATH)) return recordingResponse(services, pathname, request);
      const file = normalize(join(rendererDir, pathname === '/' ? 'index.html' : pathname));
      if (!file.startsWith(rendererDir + sep)) return new Response('Not found', { status: 404 });
      const response = await net.fetch(pathToFileURL(file).toString());
      const headers = new Headers(response.headers);
      headers.set('Content-Security-Policy', csp);
      return new Response(response.body, { status: response.status, headers });
    });

    const studioSession = session.defaultSession;
    studioSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
      callback(isAllowedPermission(details.requestingUrl, permission)),
    );
    studioSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
      isAllowedPermission(requestingOrigin, permission),
    );
    // getDisplayMedia: offer the primary screen; a source picker is a later refinement.
    studioSession.setDisplayMediaRequestHandler(async (request, callback) => {
      if (!isAllowedPermission(request.securityOrigin ?? '', 'display-capture')) return callback({});
      const sources = await desktopCapturer.getSources({ types: ['screen', 'window'] });
      callback(sources[0] ? { video: sources[0] } : {});
    });

    services = startStudioServices(config);
    attachIpcAdapter(ipcMain, services.host, () => (mainWindow ? [mainWindow.webContents] : []));

    mainWindow = new BrowserWindow({
      width: 1440,
      height: 900,
      title: 'ShopCast Studio',
      backgroundColor: '#121418',
      webPreferences: {
        preload: join(app.getAppPath(), 'out', 'preload', 'preload.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        // The program must keep composing and the mic meter running while the window is in the background.
        backgroundThrottling: false,
        autoplayPolicy: 'no-user-gesture-required',
      },
    });
    mainWindow.on('closed', () => (mainWindow = null));
    void mainWindow.loadURL(`${APP_ORIGIN}/index.html`);
  });

  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', (event) => {
    if (!services) return;
    event.preventDefault();
    const stopping = services;
    services = null;
    void stopping.stop().finally(() => app.quit());
  });
}
