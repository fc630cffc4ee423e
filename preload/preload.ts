// Sandboxed preload (bundled to CommonJS): exposes window.studio with one function
// per contract operation. No raw ipcRenderer access reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { operationNames } from '../protocol/contract';
import { ipcChannel, IPC_PUSH_CHANNEL, type CallResult } from '../protocol/rpc';

const operations = Object.fromEntries(
  operationNames.map((op) => [
    op,
    (request: unknown): Promise<CallResult> => ipcRenderer.invoke(ipcChannel(op), request),
  ]),
);

contextBridge.exposeInMainWorld('studio', {
  ...operations,
  onPush(listener: (event: string, payload: unknown) => void): () => void {
    const forward = (_event: IpcRendererEvent, name: string, payload: unknown) => listener(name, payload);
    ipcRenderer.on(IPC_PUSH_CHANNEL, forward);
    return () => ipcRenderer.removeListener(IPC_PUSH_CHANNEL, forward);
  },
});
