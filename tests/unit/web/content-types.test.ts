import { describe, expect, it } from 'vitest';
import { contentTypeFor } from '../../../protocol/content-types';

describe('content types of served files', () => {
  it('names the kinds the studio and the SFU serve', () => {
    expect(contentTypeFor('/out/renderer/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('tfjs-backend-wasm-simd.WASM')).toBe('application/wasm');
    expect(contentTypeFor('assets/models/glasses-round.glb')).toBe('model/gltf-binary');
  });

  it('serves anything else as opaque bytes, never as something a browser would run', () => {
    for (const name of ['notes.txt', 'archive', 'evil.html.exe', '.bashrc.']) {
      expect(contentTypeFor(name)).toBe('application/octet-stream');
    }
  });
});
