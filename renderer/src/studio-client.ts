// The renderer's one owner of its link to the studio services: Electron's preload
// bridge when present, otherwise the browser-mode WebSocket.
import {
  binaryFieldOf,
  createStudioApi,
  encodeBinaryCall,
  MAX_STUDIO_FRAME_BYTES,
  ServerFrame,
  type CallResult,
  type StudioBridge,
} from '../../protocol/rpc';
import type { OperationName, StudioApi } from '../../protocol/contract';

export type LinkState = 'connecting' | 'connected' | 'disconnected';

export interface StudioLink {
  api: StudioApi;
  onLinkState(listener: (state: LinkState) => void): () => void;
}

declare global {
  interface Window {
    studio?: StudioBridge;
  }
}

const TOKEN_KEY = 'shopcast.token';

/** Reads the per-run token from the URL once, then keeps it for reloads of this tab only. */
function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.toString());
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function bridgeLink(bridge: StudioBridge): StudioLink {
  return {
    api: createStudioApi(
      (op, request) => bridge[op](request),
      (listener) => bridge.onPush(listener),
    ),
    onLinkState: (listener) => {
      listener('connected');
      return () => {};
    },
  };
}

function webSocketLink(token: string | null): StudioLink {
  const pending = new Map<number, (result: CallResult) => void>();
  const pushListeners = new Set<(event: string, payload: unknown) => void>();
  const stateListeners = new Set<(state: LinkState) => void>();
  let state: LinkState = 'connecting';
  let socket: WebSocket | null = null;
  let nextId = 1;
  let retryMs = 500;

  const setState = (next: LinkState) => {
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  const connect = () => {
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(
      `${scheme}://${window.location.host}/studio?token=${encodeURIComponent(token ?? '')}`,
    );
    socket = ws;
    ws.onopen = () => {
      retryMs = 500;
      setState('connected');
    };
    ws.onmessage = (message) => {
      const frame = ServerFrame.safeParse(JSON.parse(String(message.data)));
      if (!frame.success) return;
      if (frame.data.kind === 'result') {
        pending.get(frame.data.id)?.(frame.data.result);
        pending.delete(frame.data.id);
      } else if (frame.data.kind === 'push') {
        for (const listener of pushListeners) listener(frame.data.event, frame.data.payload);
      } else {
        console.warn(`Studio services: ${frame.data.error.message}`);
      }
    };
    ws.onclose = () => {
      socket = null;
      for (const resolve of pending.values()) {
        resolve({
          ok: false,
          error: { code: 'unavailable', message: 'Lost the connection to the studio services' },
        });
      }
      pending.clear();
      setState('disconnected');
      // Reconnect with backoff so a restarted services host is picked up by itself.
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  };
  connect();

  const invoke = (op: OperationName, request: unknown): Promise<CallResult> =>
    new Promise((resolve) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        resolve({
          ok: false,
          error: { code: 'unavailable', message: 'Not connected to the studio services' },
        });
        return;
      }
      const id = nextId++;
      // A request that carries bytes (a recording chunk) goes as one binary frame.
      const frame = binaryFieldOf(request)
        ? encodeBinaryCall(id, op, request as Record<string, unknown>)
        : JSON.stringify({ kind: 'call', id, op, request });
      // The services close the connection on a larger frame; say why here instead.
      const bytes = typeof frame === 'string' ? new TextEncoder().encode(frame).length : frame.byteLength;
      if (bytes > MAX_STUDIO_FRAME_BYTES) {
        const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
        resolve({
          ok: false,
          error: {
            code: 'invalid-request',
            message: `This request is too large to send (${mib(bytes)} MiB; the limit is ${mib(MAX_STUDIO_FRAME_BYTES)} MiB)`,
          },
        });
        return;
      }
      pending.set(id, resolve);
      socket.send(frame);
    });

  return {
    api: createStudioApi(invoke, (listener) => {
      pushListeners.add(listener);
      return () => pushListeners.delete(listener);
    }),
    onLinkState: (listener) => {
      stateListeners.add(listener);
      listener(state);
      return () => stateListeners.delete(listener);
    },
  };
}

export function connectToStudio(): StudioLink {
  return window.studio ? bridgeLink(window.studio) : webSocketLink(takeToken());
}

/** A same-origin media URL of the studio services, with the browser-mode token when there is one. */
export function authorizedMediaUrl(path: string): string {
  const token = window.studio ? null : sessionStorage.getItem(TOKEN_KEY);
  return token ? `${path}?token=${encodeURIComponent(token)}` : path;
}
