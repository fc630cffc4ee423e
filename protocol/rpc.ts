// The envelope that carries contract calls over any transport (Electron IPC or WebSocket).
import { z } from 'zod';
import {
  isOperationName,
  operationNames,
  studioOperations,
  studioPushEvents,
  type OperationName,
  type OperationResponse,
  type PushEventName,
  type PushPayload,
  type StudioApi,
} from './contract';

export const StudioErrorCode = z.enum([
  'invalid-request',
  'unknown-operation',
  'failed',
  'unavailable',
  'unauthorized',
]);
export type StudioErrorCode = z.infer<typeof StudioErrorCode>;

export const StudioErrorBody = z.object({ code: StudioErrorCode, message: z.string() });
export type StudioErrorBody = z.infer<typeof StudioErrorBody>;

export class StudioError extends Error {
  constructor(
    readonly code: StudioErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StudioError';
  }
}

export const CallResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), response: z.unknown() }),
  z.object({ ok: z.literal(false), error: StudioErrorBody }),
]);
export type CallResult = z.infer<typeof CallResult>;

/**
 * The largest frame either side of the WebSocket transport sends or accepts. The contract's
 * largest request (a 768 Ki-character catalog) is up to about 2.3 MB as UTF-8, so this leaves room.
 */
export const MAX_STUDIO_FRAME_BYTES = 4 * 1024 * 1024;

/** Client → server frame on the WebSocket transport. */
export const CallFrame = z.object({
  kind: z.literal('call'),
  id: z.number().int().nonnegative(),
  op: z.string(),
  request: z.unknown(),
});
export type CallFrame = z.infer<typeof CallFrame>;

/** Server → client frames on the WebSocket transport. */
export const ServerFrame = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('result'), id: z.number().int(), result: CallResult }),
  z.object({ kind: z.literal('push'), event: z.string(), payload: z.unknown() }),
  z.object({ kind: z.literal('error'), error: StudioErrorBody }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** IPC channel names, derived from the operation names. */
export const ipcChannel = (op: OperationName) => `studio:${op}`;
export const IPC_PUSH_CHANNEL = 'studio:push';

/** Turns a zod error into one readable line. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(request)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Validates a request against the contract. Returns the parsed request or a
 * ready-to-send error result; invalid requests never reach a handler.
 */
export function parseRequest(
  op: unknown,
  request: unknown,
): { ok: true; op: OperationName; request: unknown } | { ok: false; result: CallResult } {
  if (!isOperationName(op)) {
    const name = typeof op === 'string' ? op.slice(0, 80) : typeof op;
    return {
      ok: false,
      result: { ok: false, error: { code: 'unknown-operation', message: `Unknown operation "${name}"` } },
    };
  }
  const parsed = studioOperations[op].request.safeParse(request ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      result: {
        ok: false,
        error: { code: 'invalid-request', message: `Invalid ${op} request: ${describeIssues(parsed.error)}` },
      },
    };
  }
  return { ok: true, op, request: parsed.data };
}

type Invoke = (op: OperationName, request: unknown) => Promise<CallResult>;
type Subscribe = (listener: (event: string, payload: unknown) => void) => () => void;

/**
 * Builds the typed StudioApi over any transport: one function per operation,
 * each unwrapping the result envelope into a value or a StudioError.
 */
export function createStudioApi(invoke: Invoke, subscribe: Subscribe): StudioApi {
  const api: Record<string, unknown> = {};
  for (const op of operationNames) {
    api[op] = async (request: unknown) => {
      const result = CallResult.parse(await invoke(op, request ?? {}));
      if (!result.ok) throw new StudioError(result.error.code, result.error.message);
      return studioOperations[op].response.parse(result.response) as OperationResponse<typeof op>;
    };
  }
  api.on = <K extends PushEventName>(event: K, listener: (payload: PushPayload<K>) => void) =>
    subscribe((name, payload) => {
      if (name !== event) return;
      const parsed = studioPushEvents[event].safeParse(payload);
      if (parsed.success) listener(parsed.data as PushPayload<K>);
      else console.warn(`Dropped malformed "${event}" push: ${describeIssues(parsed.error)}`);
    });
  return api as StudioApi;
}

/**
 * What the Electron preload exposes as window.studio: one function per contract
 * operation returning the result envelope, and a push subscription.
 */
export type StudioBridge = {
  [K in OperationName]: (request: unknown) => Promise<CallResult>;
} & {
  onPush(listener: (event: string, payload: unknown) => void): () => void;
};
