// The Electron binary is not available here, so this checks the adapter's wiring
// against a recording stand-in for ipcMain; the host behind it is the real one.
import type { IpcMainInvokeEvent } from 'electron';
import { describe, expect, it } from 'vitest';
import { operationNames } from '../../../protocol/contract';
import { ipcChannel, IPC_PUSH_CHANNEL, type CallResult } from '../../../protocol/rpc';
import { attachIpcAdapter, type IpcMainLike } from '../../../main/electron/ipc-adapter';
import { APP_ORIGIN } from '../../../main/security/policy';
import { StudioHost, type StudioHandlers } from '../../../main/studio/studio-host';

type Handler = (event: IpcMainInvokeEvent, request: unknown) => Promise<CallResult>;

function recordingIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => handlers.set(channel, listener),
    removeHandler: (channel) => handlers.delete(channel),
  };
  return { ipcMain, handlers };
}

const status = {
  kafka: { state: 'connected' as const, reason: null, target: 'k', since: 1 },
  sfu: { state: 'connected' as const, reason: null, target: 's', since: 1 },
};
const eventFrom = (url: string, parent: unknown = null) =>
  ({ senderFrame: { url, parent } }) as unknown as IpcMainInvokeEvent;

describe('Electron IPC adapter', () => {
  const host = new StudioHost({ getStatus: () => status } as unknown as StudioHandlers);

  it('registers exactly one handler per contract operation and removes them on detach', () => {
    const { ipcMain, handlers } = recordingIpcMain();
    const detach = attachIpcAdapter(ipcMain, host, () => []);
    expect([...handlers.keys()].sort()).toEqual(operationNames.map(ipcChannel).sort());
    detach();
    expect(handlers.size).toBe(0);
  });

  it('answers the app frame and refuses a foreign or nested frame', async () => {
    const { ipcMain, handlers } = recordingIpcMain();
    attachIpcAdapter(ipcMain, host, () => []);
    const getStatus = handlers.get(ipcChannel('getStatus'))!;
    await expect(getStatus(eventFrom(`${APP_ORIGIN}/index.html`), {})).resolves.toEqual({
      ok: true,
      response: status,
    });
    await expect(getStatus(eventFrom('https://evil.example/'), {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    await expect(getStatus(eventFrom(`${APP_ORIGIN}/index.html`, {}), {})).resolves.toMatchObject({
      ok: false,
    });
  });

  it('validates requests before they reach a handler', async () => {
    const { ipcMain, handlers } = recordingIpcMain();
    attachIpcAdapter(ipcMain, host, () => []);
    const result = await handlers.get(ipcChannel('getStatus'))!(eventFrom(`${APP_ORIGIN}/`), { x: 1 });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
  });

  it('forwards push events to live windows only', () => {
    const { ipcMain } = recordingIpcMain();
    const sent: unknown[][] = [];
    const live = { isDestroyed: () => false, send: (...args: unknown[]) => sent.push(args) };
    const dead = { isDestroyed: () => true, send: () => expect.fail('sent to a destroyed window') };
    attachIpcAdapter(ipcMain, host, () => [live, dead]);
    host.publish('status', status);
    expect(sent).toEqual([[IPC_PUSH_CHANNEL, 'status', status]]);
  });
});
