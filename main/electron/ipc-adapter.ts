// Electron transport: one ipcMain handler per contract operation, each refusing
// calls from any frame that is not our own app's top frame.
import type { IpcMainInvokeEvent } from 'electron';
import { operationNames } from '../../protocol/contract';
import { ipcChannel, IPC_PUSH_CHANNEL, type CallResult } from '../../protocol/rpc';
import { isTrustedSender } from '../security';
import type { StudioHost } from '../studio';

/** The slice of Electron's ipcMain this adapter uses (so its wiring is testable without the binary). */
export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: IpcMainInvokeEvent, request: unknown) => Promise<CallResult>,
  ): void;
  removeHandler(channel: string): void;
}

export interface PushTarget {
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}

export function attachIpcAdapter(
  ipcMain: IpcMainLike,
  host: StudioHost,
  targets: () => PushTarget[],
): () => void {
  for (const op of operationNames) {
    ipcMain.handle(ipcChannel(op), async (event, request) => {
      if (!isTrustedSender(event.senderFrame)) {
        return {
          ok: false,
          error: { code: 'unauthorized', message: 'Calls are accepted only from the studio window' },
        };
      }
      return host.call(op, request);
    });
  }
  const unsubscribe = host.subscribe((event, payload) => {
    for (const target of targets()) if (!target.isDestroyed()) target.send(IPC_PUSH_CHANNEL, event, payload);
  });
  return () => {
    unsubscribe();
    for (const op of operationNames) ipcMain.removeHandler(ipcChannel(op));
  };
}
