import { describe, expect, it } from 'vitest';
import {
  notification,
  parseRequest,
  serverMessageSchema,
  signalingMethodNames,
  signalingMethods,
} from '../../../protocol/signaling';

function parseError(raw: string) {
  const parsed = parseRequest(raw);
  if (parsed.ok) throw new Error('expected a parse failure');
  return parsed.response;
}

describe('parseRequest', () => {
  it('accepts a valid join', () => {
    const parsed = parseRequest(
      JSON.stringify({ id: 1, method: 'join', data: { showId: 'show-1', token: 'abc' } }),
    );
    expect(parsed).toEqual({
      ok: true,
      request: { id: 1, method: 'join', data: { showId: 'show-1', token: 'abc' } },
    });
  });

  it('treats missing data as an empty object for methods without parameters', () => {
    const parsed = parseRequest(JSON.stringify({ id: 'a', method: 'getRouterRtpCapabilities' }));
    expect(parsed.ok).toBe(true);
  });

  it('reports invalid JSON with a null id', () => {
    const response = parseError('{not json');
    expect(response).toMatchObject({
      type: 'response',
      id: null,
      ok: false,
      error: { code: 'invalid-json' },
    });
  });

  it('reports a message that is not an envelope, keeping a usable id', () => {
    expect(parseError(JSON.stringify({ id: 7 })).error.code).toBe('invalid-message');
    expect(parseError(JSON.stringify({ id: 7 })).id).toBe(7);
    expect(parseError('null').id).toBeNull();
    expect(parseError('[1,2]').error.code).toBe('invalid-message');
  });

  it('reports unknown methods, including inherited property names', () => {
    expect(parseError(JSON.stringify({ id: 1, method: 'selfDestruct' })).error.code).toBe('unknown-method');
    expect(parseError(JSON.stringify({ id: 1, method: 'toString' })).error.code).toBe('unknown-method');
    expect(parseError(JSON.stringify({ id: 1, method: '__proto__' })).error.code).toBe('unknown-method');
  });

  it('reports schema-invalid data with field paths', () => {
    const response = parseError(
      JSON.stringify({ id: 3, method: 'createWebRtcTransport', data: { direction: 'sideways' } }),
    );
    expect(response.id).toBe(3);
    expect(response.error.code).toBe('invalid-request');
    expect(response.error.issues?.map((issue) => issue.path)).toContain('direction');
  });

  it('rejects show ids that are not URL-safe', () => {
    const response = parseError(
      JSON.stringify({ id: 1, method: 'openShow', data: { showId: '../etc', adminSecret: 's' } }),
    );
    expect(response.error.code).toBe('invalid-request');
  });

  it('checks the outline of mediasoup parameters', () => {
    const produce = (rtpParameters: unknown) =>
      parseRequest(
        JSON.stringify({
          id: 1,
          method: 'produce',
          data: { transportId: 't', kind: 'video', rtpParameters },
        }),
      );
    expect(produce({ codecs: [] }).ok).toBe(false);
    expect(
      produce({
        codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }],
        encodings: [{ ssrc: 1 }],
      }).ok,
    ).toBe(true);
  });
});

describe('server messages', () => {
  it('accepts ICE candidates from mediasoup 3.8 (ip) and current 3.x (address)', () => {
    const schema = signalingMethods.createWebRtcTransport.response;
    const answer = (candidate: object) => ({
      transportId: 't',
      iceParameters: { usernameFragment: 'u', password: 'p' },
      iceCandidates: [
        { foundation: 'f', priority: 1, protocol: 'udp', port: 40000, type: 'host', ...candidate },
      ],
      dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] },
    });
    expect(schema.safeParse(answer({ ip: '127.0.0.1' })).success).toBe(true);
    expect(schema.safeParse(answer({ address: '127.0.0.1' })).success).toBe(true);
    expect(schema.safeParse(answer({})).success).toBe(false);
  });

  it('builds notifications that parse as server messages', () => {
    const message = notification('viewerCount', { showId: 's', count: 3 });
    expect(serverMessageSchema.parse(message)).toEqual({
      type: 'notification',
      method: 'viewerCount',
      data: { showId: 's', count: 3 },
    });
  });

  it('has a request and response schema for every method', () => {
    for (const method of signalingMethodNames) {
      expect(signalingMethods[method].request).toBeDefined();
      expect(signalingMethods[method].response).toBeDefined();
    }
  });
});
