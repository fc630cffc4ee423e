import { describe, expect, it } from 'vitest';
import { catalogText } from '../../../renderer/src/products/catalog-text';

describe('catalog file text', () => {
  it('reads UTF-8 as UTF-8, without its byte order mark', () => {
    const bytes = new TextEncoder().encode('\uFEFFid,name\ncafe,Café crème €\n');
    expect(catalogText(bytes)).toBe('id,name\ncafe,Café crème €\n');
  });

  it('reads a Windows-1252 (Latin-1) file as such instead of turning it into U+FFFD', () => {
    // "Café Noël" in Windows-1252 (é = 0xE9, ë = 0xEB): not valid UTF-8.
    const bytes = Uint8Array.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x4e, 0x6f, 0xeb, 0x6c]);
    expect(catalogText(bytes)).toBe('Café Noël');
  });

  it('keeps the text about as long as the file, so it fits the import limit as the file did', () => {
    const bytes = new Uint8Array(700 * 1024).fill(0xe9);
    const text = catalogText(bytes);
    expect(text.length).toBe(bytes.length);
    expect(text.includes('\uFFFD')).toBe(false);
  });
});
