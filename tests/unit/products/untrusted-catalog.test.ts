// A catalog is data from outside (issue 12, finding 7 and 8): ids that are names of built-in
// object properties, thumbnails that are not catalog images, prices events cannot carry.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCatalogCsv, importCatalogJson } from '../../../main/products/catalog-import';
import { ProductCatalog } from '../../../main/products/product-catalog';
import { ShowSession } from '../../../main/show/show-session';
import type { StudioEventPublisher } from '../../../main/show/studio-events';
import { ProductPinned, type ShowEvent } from '../../../protocol/events';

const assetsDir = path.resolve(import.meta.dirname, '../../../assets');
const PROTOTYPE_IDS = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];

function catalogIn(dataDir: string) {
  const events: ShowEvent[] = [];
  const publisher = {
    publish: (event: ShowEvent) => (events.push(event), event),
  } as unknown as StudioEventPublisher;
  const show = new ShowSession(publisher, null, () => {});
  return { catalog: new ProductCatalog({ show, dataDir, assetsDir, onChange: () => {} }), show, events };
}

const row = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Product ${id}`,
  priceMinor: 1500,
  currency: 'USD',
  stock: 3,
  category: 'Test',
  tryOn: 'none',
  ...extra,
});

describe('a catalog from outside', () => {
  it('keeps products whose ids are built-in property names, with their fit, across a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'shopcast-proto-ids-'));
    const first = catalogIn(dataDir);
    // JSON.parse makes "__proto__" an own key, as a file read from disk would.
    const json = `[${PROTOTYPE_IDS.map((id) => JSON.stringify(row(id))).join(',')}]`;
    expect(await first.catalog.importCatalog('ids.json', json)).toEqual({ imported: 4, badRows: [] });
    for (const id of PROTOTYPE_IDS)
      await first.catalog.setAdjustment(id, { scale: 1.5, offsetX: 0.1, offsetY: 0 });

    const fresh = catalogIn(dataDir);
    const state = await fresh.catalog.list();
    for (const id of PROTOTYPE_IDS) {
      const product = state.products.find((p) => p.id === id);
      expect(product?.tryOnAdjustment).toEqual({ scale: 1.5, offsetX: 0.1, offsetY: 0 });
    }
    // Products without a fit of their own get none, whatever their id.
    expect(state.products.find((p) => p.id === 'cap-studio-logo')?.tryOnAdjustment).toBeUndefined();
    expect(Object.getPrototypeOf({})).toHaveProperty('hasOwnProperty'); // nothing polluted
    expect(readFileSync(path.join(dataDir, 'products.json'), 'utf8')).toContain('"__proto__"');
  });

  it('pins a product whose id is a built-in property name', async () => {
    const { catalog, show, events } = catalogIn(mkdtempSync(path.join(tmpdir(), 'shopcast-proto-pin-')));
    await catalog.importCatalog('ids.json', JSON.stringify(PROTOTYPE_IDS.map((id) => row(id))));
    show.start({ title: 'Ids', mode: 'rehearsal', currency: 'USD' });
    for (const id of PROTOTYPE_IDS) expect((await catalog.pin(id)).pinnedProductId).toBe(id);
    expect(
      events.filter((e) => e.type === 'product.pinned').map((e) => ProductPinned.parse(e).productId),
    ).toEqual(PROTOTYPE_IDS);
  });

  it('takes thumbnails only as images in the catalog folder', () => {
    const bad = [
      'data:image/svg+xml,<svg onload=alert(1)>.svg',
      'javascript:alert(1)//.png',
      'C:\\Users\\host\\pic.png',
      '/etc/passwd.png',
      'assets/catalog/thumbnails/../../../secret.png',
      'https://example.com/a.png',
    ];
    const result = importCatalogJson(JSON.stringify(bad.map((thumbnail, i) => row(`t${i}`, { thumbnail }))));
    expect(result.products).toEqual([]);
    expect(result.badRows).toHaveLength(bad.length);
    for (const badRow of result.badRows) expect(badRow.reason).toMatch(/thumbnail/);
    const good = importCatalogJson(
      JSON.stringify([row('ok', { thumbnail: 'assets/catalog/thumbnails/cap.svg' })]),
    );
    expect(good.products).toHaveLength(1);
  });

  it('caps prices where events cap amounts, so every product it loads can be pinned', () => {
    const json = importCatalogJson(
      JSON.stringify([row('big', { priceMinor: 1e14 }), row('max', { priceMinor: 1e13 })]),
    );
    expect(json.products.map((p) => p.id)).toEqual(['max']);
    expect(json.badRows[0]?.reason).toMatch(/too large/);
    const csv = importCatalogCsv(
      'id,name,price,currency,stock,category\nhuge,Huge,100000000000.01,USD,1,X\n',
    );
    expect(csv.products).toEqual([]);
    expect(csv.badRows[0]?.reason).toMatch(/too large/);
  });
});
