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

// Binary calls on the WebSocket transport. An operation whose request carries raw bytes
// (one top-level Uint8Array field, e.g. appendRecordingChunk's `bytes`) goes as one binary
// frame: a 4-byte big-endian header length, the CallFrame as UTF-8 JSON with the bytes
// field left out and named in `binaryField`, then the bytes. Over Electron IPC the request
// travels as it is (structured clone keeps Uint8Array). Either way the request is then
// validated against the contract like any other.

const MAX_BINARY_HEADER_BYTES = 16 * 1024;
const BinaryCallHeader = CallFrame.extend({ binaryField: z.string().regex(/^[A-Za-z]{1,32}$/) });

/** The request's one top-level bytes field, or null when it has none. */
export function binaryFieldOf(request: unknown): string | null {
  if (typeof request !== 'object' || request === null) return null;
  const fields = Object.keys(request).filter(
    (key) => (request as Record<string, unknown>)[key] instanceof Uint8Array,
  );
  if (fields.length > 1) throw new Error(`a request may carry one bytes field, not ${fields.length}`);
  return fields[0] ?? null;
}

export function encodeBinaryCall(id: number, op: string, request: Record<string, unknown>): Uint8Array {
  const binaryField = binaryFieldOf(request);
  if (!binaryField) throw new Error(`${op}: the request has no bytes field`);
  const bytes = request[binaryField] as Uint8Array;
  const rest = { ...request };
  delete rest[binaryField];
  const header = new TextEncoder().encode(
    JSON.stringify({ kind: 'call', id, op, request: rest, binaryField }),
  );
  const frame = new Uint8Array(4 + header.byteLength + bytes.byteLength);
  new DataView(frame.buffer).setUint32(0, header.byteLength);
  frame.set(header, 4);
  frame.set(bytes, 4 + header.byteLength);
  return frame;
}

/** The call in a binary frame, with its bytes put back into the request; or why it is unreadable. */
export function decodeBinaryCall(
  frame: Uint8Array,
): { ok: true; call: CallFrame } | { ok: false; error: string } {
  if (frame.byteLength < 4) return { ok: false, error: 'binary frame shorter than its header length' };
  const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0);
  if (headerLength > MAX_BINARY_HEADER_BYTES || 4 + headerLength > frame.byteLength)
    return { ok: false, error: 'binary frame header length out of range' };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(4, 4 + headerLength)));
  } catch (error) {
    return { ok: false, error: `binary frame header: ${(error as Error).message}` };
  }
  const header = BinaryCallHeader.safeParse(json);
  if (!header.success) return { ok: false, error: `binary frame header: ${describeIssues(header.error)}` };
  const { binaryField, ...call } = header.data;
  if (typeof call.request !== 'object' || call.request === null || Array.isArray(call.request))
    return { ok: false, error: 'binary frame header: the request is not an object' };
  const request = {
    ...(call.request as Record<string, unknown>),
    [binaryField]: frame.subarray(4 + headerLength),
  };
  return { ok: true, call: { ...call, request } };
}
