// Security decisions for the app shell, as pure functions so they are unit-tested
// without the Electron binary. main/electron wires them into Electron's hooks.

/** The origin the studio UI is served from inside Electron (custom protocol). */
export const APP_ORIGIN = 'app://studio';

/** Permissions the studio needs: camera, microphone and screen capture. */
const MEDIA_PERMISSIONS = new Set(['media', 'display-capture', 'camera', 'microphone']);

function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    // Custom schemes give origin "null"; rebuild it from scheme and host.
    return parsed.origin !== 'null' ? parsed.origin : `${parsed.protocol}//${parsed.host}`;
  } catch {
    return null;
  }
}

/** Media permissions only for the app's own origin; every other permission is denied. */
export function isAllowedPermission(
  requestingUrl: string,
  permission: string,
  appOrigin = APP_ORIGIN,
): boolean {
  return originOf(requestingUrl) === appOrigin && MEDIA_PERMISSIONS.has(permission);
}

/** The window may only navigate within the app itself. */
export function isAllowedNavigation(targetUrl: string, appOrigin = APP_ORIGIN): boolean {
  return originOf(targetUrl) === appOrigin;
}

/** The studio never opens new windows from web content. */
export function windowOpenDecision(): { action: 'deny' } {
  return { action: 'deny' };
}

/** An IPC message is trusted only from our own app's top frame (never an iframe). */
export function isTrustedSender(
  frame: { url: string; parent: unknown } | null | undefined,
  appOrigin = APP_ORIGIN,
): boolean {
  return !!frame && frame.parent === null && originOf(frame.url) === appOrigin;
}

export interface CspOptions {
  /** Extra origins the UI may connect to (the SFU's signaling WebSocket). */
  connectOrigins?: string[];
}

/** Self only, plus WASM compilation for face tracking; no remote code or styles. */
export function contentSecurityPolicy(options: CspOptions = {}): string {
  const connect = ["'self'", ...(options.connectOrigins ?? [])].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** ws://host:port → the origins a CSP connect-src needs for it. */
export function signalingOrigins(url: string | null): string[] {
  if (!url) return [];
  try {
    const parsed = new URL(url);
    return [`${parsed.protocol}//${parsed.host}`];
  } catch {
    return [];
  }
}
