import { describe, expect, it, vi } from 'vitest';
import { operationNames, studioOperations } from '../../../protocol/contract';
import { createStudioApi, parseRequest, StudioError, type CallResult } from '../../../protocol/rpc';
import { StudioHost, type StudioHandlers } from '../../../main/studio/studio-host';

const status = {
  kafka: { state: 'connected' as const, reason: null, target: '127.0.0.1:1', since: 1 },
  sfu: { state: 'disconnected' as const, reason: 'down', target: 'ws://x', since: 2 },
};

function hostWith(overrides: Partial<StudioHandlers> = {}) {
  const getStatus = vi.fn(() => status);
  const handlers = { getStatus, ...overrides } as StudioHandlers;
  return { host: new StudioHost(handlers), getStatus };
}

describe('contract validation', () => {
  it('rejects unknown operations by name', () => {
    const parsed = parseRequest('dropAllTables', {});
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.result).toMatchObject({ ok: false, error: { code: 'unknown-operation' } });
  });

  it('does not treat inherited object keys as operations', () => {
    for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      expect(parseRequest(name, {}).ok).toBe(false);
    }
  });

  it('rejects a request that does not match the schema with a readable message', () => {
    const parsed = parseRequest('getStatus', { unexpected: true });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok && !parsed.result.ok) {
      expect(parsed.result.error.code).toBe('invalid-request');
      expect(parsed.result.error.message).toMatch(/Invalid getStatus request/);
    }
  });

  it('every operation has a request and a response schema', () => {
    expect(operationNames.length).toBeGreaterThan(0);
    for (const op of operationNames) {
      expect(typeof studioOperations[op].request.safeParse).toBe('function');
      expect(typeof studioOperations[op].response.safeParse).toBe('function');
    }
  });
});

describe('StudioHost', () => {
  it('never calls a handler for an invalid request', async () => {
    const { host, getStatus } = hostWith();
    const result = await host.call('getStatus', { evil: '<script>' });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(getStatus).not.toHaveBeenCalled();
  });

  it('answers a valid call with the handler result', async () => {
    const { host, getStatus } = hostWith();
    await expect(host.call('getStatus', {})).resolves.toEqual({ ok: true, response: status });
    expect(getStatus).toHaveBeenCalledOnce();
  });

  it('reports a handler that breaks the response contract instead of passing bad data on', async () => {
    const { host } = hostWith({ getStatus: (() => ({ kafka: 'yes' })) as never });
    const result = await host.call('getStatus', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'failed' } });
  });

  it('turns a thrown StudioError into its code and message', async () => {
    const { host } = hostWith({
      getStatus: () => {
        throw new StudioError('unavailable', 'Kafka is down');
      },
    });
    await expect(host.call('getStatus', {})).resolves.toEqual({
      ok: false,
      error: { code: 'unavailable', message: 'Kafka is down' },
    });
  });

  it('fans push events out to every subscriber until they leave', () => {
    const { host } = hostWith();
    const a = vi.fn();
    const b = vi.fn();
    const leaveA = host.subscribe(a);
    host.subscribe(b);
    host.publish('status', status);
    leaveA();
    host.publish('status', status);
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(2);
  });
});

describe('createStudioApi (client side of both transports)', () => {
  it('has one function per operation and unwraps results', async () => {
    const { host } = hostWith();
    const api = createStudioApi(
      (op, request) => host.call(op, request),
      () => () => {},
    );
    for (const op of operationNames) expect(typeof api[op]).toBe('function');
    await expect(api.getStatus({})).resolves.toEqual(status);
  });

  it('throws a StudioError carrying the server error code', async () => {
    const failing = async (): Promise<CallResult> => ({
      ok: false,
      error: { code: 'unauthorized', message: 'no' },
    });
    const api = createStudioApi(failing, () => () => {});
    await expect(api.getStatus({})).rejects.toMatchObject({ name: 'StudioError', code: 'unauthorized' });
  });

  it('drops malformed push payloads instead of handing them to the UI', () => {
    let deliver: (event: string, payload: unknown) => void = () => {};
    const api = createStudioApi(
      async () => ({ ok: true, response: null }),
      (listener) => {
        deliver = listener;
        return () => {};
      },
    );
    const listener = vi.fn();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    api.on('status', listener);
    deliver('status', { kafka: 42 });
    deliver('status', status);
    deliver('other', status);
    expect(listener).toHaveBeenCalledExactlyOnceWith(status);
    warn.mockRestore();
  });
});
