// Transport-agnostic studio services host: validates every call against the
// contract, dispatches it to its handler, and fans push events out to every
// connected transport (Electron IPC and browser-mode WebSocket alike).
import {
  studioOperations,
  type OperationName,
  type OperationResponse,
  type ParsedRequest,
  type PushEventName,
  type PushPayload,
} from '../../protocol/contract';
import { describeIssues, parseRequest, StudioError, type CallResult } from '../../protocol/rpc';

export type StudioHandlers = {
  [K in OperationName]: (request: ParsedRequest<K>) => Promise<OperationResponse<K>> | OperationResponse<K>;
};

export type PushListener = (event: PushEventName, payload: unknown) => void;

export class StudioHost {
  private readonly listeners = new Set<PushListener>();

  constructor(private readonly handlers: StudioHandlers) {}

  async call(op: unknown, request: unknown): Promise<CallResult> {
    const parsed = parseRequest(op, request);
    if (!parsed.ok) return parsed.result;
    const handler = this.handlers[parsed.op] as (request: unknown) => unknown;
    try {
      const response = await handler(parsed.request);
      const checked = studioOperations[parsed.op].response.safeParse(response);
      if (!checked.success) {
        // A handler broke the contract: report it rather than send bad data.
        return {
          ok: false,
          error: {
            code: 'failed',
            message: `${parsed.op} produced an invalid response: ${describeIssues(checked.error)}`,
          },
        };
      }
      return { ok: true, response: checked.data };
    } catch (error) {
      if (error instanceof StudioError)
        return { ok: false, error: { code: error.code, message: error.message } };
      return { ok: false, error: { code: 'failed', message: (error as Error).message || String(error) } };
    }
  }

  publish<K extends PushEventName>(event: K, payload: PushPayload<K>): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  subscribe(listener: PushListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
