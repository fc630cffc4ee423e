// Finding 7 (issue 12) against the real studio process: a catalog product with the id
// "constructor" (or any built-in property name) emptied the product rail, for good.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProductsState } from '../../../protocol/contract';
import { startStudioProcess, studioCall, type StudioProcess } from './processes';

const IDS = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
let studio: StudioProcess | null = null;

afterEach(async () => {
  await studio?.stop();
  studio = null;
});

async function listed(): Promise<ProductsState> {
  const result = await studioCall(studio!, 'listProducts', {});
  expect(result).toMatchObject({ ok: true });
  return result.response as ProductsState;
}

describe('the product rail with hostile ids', () => {
  it(
    'lists, fits and pins products named after built-in properties, also after a restart',
    { timeout: 180_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'shopcast-security-catalog-'));
      studio = await startStudioProcess({ SHOPCAST_DATA_DIR: dataDir });
      const csv = [
        'id,name,price,currency,stock,category',
        ...IDS.map((id) => `${id},Item ${id},9.99,USD,5,Test`),
      ];
      expect(
        await studioCall(studio, 'importCatalog', { fileName: 'ids.csv', content: csv.join('\n') }),
      ).toMatchObject({ ok: true, response: { imported: 4, badRows: [] } });
      for (const productId of IDS) {
        const fit = await studioCall(studio, 'setTryOnAdjustment', {
          productId,
          scale: 2,
          offsetX: 0,
          offsetY: 0,
        });
        expect(fit).toMatchObject({ ok: true });
      }
      expect((await listed()).products.map((p) => p.id)).toEqual(expect.arrayContaining(IDS));

      expect(
        await studioCall(studio, 'startShow', { title: 'Ids', mode: 'rehearsal', currency: 'USD' }),
      ).toMatchObject({ ok: true });
      for (const productId of IDS)
        expect(await studioCall(studio, 'pinProduct', { productId })).toMatchObject({
          ok: true,
          response: { pinnedProductId: productId },
        });
      await studioCall(studio, 'endShow', {});

      await studio.stop();
      studio = await startStudioProcess({ SHOPCAST_DATA_DIR: dataDir });
      const after = await listed();
      for (const id of IDS) expect(after.products.find((p) => p.id === id)?.tryOnAdjustment?.scale).toBe(2);
      expect(after.queue).toEqual(expect.arrayContaining(IDS));
    },
  );
});
