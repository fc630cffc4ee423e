// The studio's product catalog service: imports through the service, the show queue,
// pins and sold-out marks (as studio events and show state), remembered host data.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ShowEvent } from '../../../protocol/events';
import { checkGlb, ProductCatalog } from '../../../main/products/product-catalog';
import { ShowSession } from '../../../main/show/show-session';
import type { StudioEventPublisher } from '../../../main/show/studio-events';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const assetsDir = path.join(repoRoot, 'assets');

function setup(dataDir = mkdtempSync(path.join(tmpdir(), 'shopcast-products-'))) {
  const events: ShowEvent[] = [];
  // Records what would go to Kafka; the outbox itself is covered by integration tests.
  const publisher = {
    publish: (event: ShowEvent) => (events.push(event), event),
  } as unknown as StudioEventPublisher;
  const show = new ShowSession(publisher, null, () => {});
  const changes: number[] = [];
  const catalog = new ProductCatalog({ show, dataDir, assetsDir, onChange: () => changes.push(1) });
  return { catalog, show, events, dataDir, changes };
}

describe('ProductCatalog', () => {
  let ctx: ReturnType<typeof setup>;
  beforeEach(() => {
    ctx = setup();
  });

  it('loads the demo catalog and queues it in catalog order', async () => {
    const state = await ctx.catalog.list();
    expect(state.products.length).toBeGreaterThanOrEqual(10);
    expect(state.queue).toEqual(state.products.map((p) => p.id));
    expect(state.products.find((p) => p.id === 'sunglasses-midnight')?.tryOn).toBe('glasses');
  });

  it('imports valid CSV rows and reports invalid ones with line and reason', async () => {
    const csv = [
      'id,name,price,currency,stock,category',
      'mug-blue,Blue Mug,12.50,EUR,10,Home',
      'bad-price,Broken,12.505,EUR,1,Home',
      'bad-currency,Nope,1,XXY,1,Home',
      'tote,"Tote, large",30,USD,5,Bags',
    ].join('\n');
    const result = await ctx.catalog.importCatalog('mine.csv', csv);
    expect(result.imported).toBe(2);
    expect(result.badRows.map((r) => r.line)).toEqual([3, 4]);
    expect(result.badRows[0]?.reason).toMatch(/decimals/);
    expect(result.badRows[1]?.reason).toMatch(/currency/);
    const state = await ctx.catalog.list();
    expect(state.products.find((p) => p.id === 'mug-blue')?.priceMinor).toBe(1250);
    expect(state.queue.slice(-2)).toEqual(['mug-blue', 'tote']);
  });

  it('imports JSON and reports bad rows by the line they start on', async () => {
    const json = `[
  {"id":"a1","name":"A","priceMinor":100,"currency":"USD","stock":1,"category":"X","tryOn":"none"},
  {"id":"a2","name":"","priceMinor":100,"currency":"USD","stock":1,"category":"X","tryOn":"none"}
]`;
    const result = await ctx.catalog.importCatalog('mine.json', json);
    expect(result.imported).toBe(1);
    expect(result.badRows).toEqual([{ line: 3, reason: expect.stringMatching(/name/) as string }]);
  });

  it('refuses other file types', async () => {
    await expect(ctx.catalog.importCatalog('catalog.xlsx', 'x')).rejects.toThrow(/\.json or \.csv/);
  });

  it('reorders the queue and refuses unknown products', async () => {
    const { queue } = await ctx.catalog.list();
    const reordered = [queue[2]!, queue[0]!, queue[1]!];
    expect((await ctx.catalog.setQueue(reordered)).queue).toEqual(reordered);
    await expect(ctx.catalog.setQueue(['no-such-product'])).rejects.toThrow(/No product/);
  });

  it('pins, switches, marks sold out and unpins as studio events and show state', async () => {
    await expect(ctx.catalog.pin('sunglasses-midnight')).rejects.toThrow(/No show/);
    const started = ctx.show.start({ title: 'T', mode: 'rehearsal', currency: 'USD' });
    expect((await ctx.catalog.pin('sunglasses-midnight')).pinnedProductId).toBe('sunglasses-midnight');
    // Pinning it again changes nothing.
    await ctx.catalog.pin('sunglasses-midnight');
    expect((await ctx.catalog.pin('cap-studio-logo')).pinnedProductId).toBe('cap-studio-logo');
    expect((await ctx.catalog.markSoldOut('cap-studio-logo')).soldOutProductIds).toEqual(['cap-studio-logo']);
    await ctx.catalog.markSoldOut('cap-studio-logo');
    expect(ctx.catalog.unpin().pinnedProductId).toBeNull();
    expect(ctx.catalog.unpin().pinnedProductId).toBeNull();
    const studio = ctx.events.filter((e) => e.type.startsWith('product.'));
    expect(studio.map((e) => [e.type, 'productId' in e ? e.productId : null])).toEqual([
      ['product.pinned', 'sunglasses-midnight'],
      ['product.pinned', 'cap-studio-logo'],
      ['product.sold_out', 'cap-studio-logo'],
      ['product.unpinned', 'cap-studio-logo'],
    ]);
    expect(studio.every((e) => e.showId === started.showId)).toBe(true);
    expect(studio[0]).toMatchObject({
      product: { name: 'Midnight Sunglasses', priceMinor: 8900, currency: 'USD' },
    });
    await expect(ctx.catalog.pin('nope')).rejects.toThrow(/No product/);
  });

  it('remembers adjustments, queue and imports in the data dir', async () => {
    await ctx.catalog.list();
    await ctx.catalog.setAdjustment('sunglasses-midnight', { scale: 1.2, offsetX: 0.05, offsetY: -0.1 });
    await ctx.catalog.importCatalog('x.csv', 'id,name,price,currency,stock,category\nmine,Mine,1,USD,1,X\n');
    const again = setup(ctx.dataDir);
    const state = await again.catalog.list();
    expect(state.products.find((p) => p.id === 'sunglasses-midnight')?.tryOnAdjustment).toEqual({
      scale: 1.2,
      offsetX: 0.05,
      offsetY: -0.1,
    });
    expect(state.queue).toContain('mine');
  });

  it('stores a product GLB after checking its header', async () => {
    const glb = readFileSync(path.join(assetsDir, 'models/sunglasses.glb'));
    const state = await ctx.catalog.setModel('glasses-round-tortoise', 'mine.glb', glb.toString('base64'));
    expect(state.customModels).toEqual(['glasses-round-tortoise']);
    expect((await ctx.catalog.getModel('glasses-round-tortoise')).contentBase64).toBe(glb.toString('base64'));
    const fake = Buffer.from('not a model at all, just text padding');
    await expect(ctx.catalog.setModel('cap-studio-logo', 'x.glb', fake.toString('base64'))).rejects.toThrow(
      /not a GLB/,
    );
    expect(checkGlb(glb.subarray(0, glb.length - 4))).toMatch(/truncated/);
    expect(checkGlb(Buffer.alloc(600 * 1024))).toMatch(/limit/);
  });
});
