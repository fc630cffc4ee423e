import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Product, TRY_ON_KINDS, formatPrice } from '../../../protocol/catalog';
import {
  importCatalogCsv,
  importCatalogFile,
  importCatalogJson,
  loadDemoCatalog,
  parseCsv,
  parseDecimalPrice,
} from '../../../main/products/catalog-import';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const HEADER = 'id,name,price,currency,stock,category,tryOn,model,thumbnail,scale,offsetX,offsetY';

describe('parseCsv', () => {
  it('handles quotes, escaped quotes, commas and newlines in quotes, BOM and CRLF', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\nplain,,last\r\n';
    const { records, errors } = parseCsv(text);
    expect(errors).toEqual([]);
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\r\nlines'] },
      { line: 4, fields: ['plain', '', 'last'] },
    ]);
  });

  it('accepts LF and a last line without a newline, and skips blank lines', () => {
    const { records } = parseCsv('a,b\n\n1,2\n"3",""');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2'] },
      { line: 4, fields: ['3', ''] },
    ]);
  });

  it('reports stray and unterminated quotes with the line they start on', () => {
    const { records, errors } = parseCsv('a,b\nab"c,d\n"ok" x,y\n1,2\n"never\nclosed,3');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 4, fields: ['1', '2'] },
    ]);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 5]);
    expect(errors[0]?.reason).toMatch(/stray quote/);
    expect(errors[1]?.reason).toMatch(/after closing quote/);
    expect(errors[2]?.reason).toMatch(/unterminated/);
  });
});

describe('parseDecimalPrice', () => {
  it('converts to minor units using the currency digits', () => {
    expect(parseDecimalPrice('19.99', 'USD')).toBe(1999);
    expect(parseDecimalPrice('19.9', 'USD')).toBe(1990);
    expect(parseDecimalPrice('19', 'USD')).toBe(1900);
    expect(parseDecimalPrice('1200', 'JPY')).toBe(1200);
    expect(parseDecimalPrice('1.250', 'KWD')).toBe(1250);
    // 0.1 + 0.2 style float errors cannot happen: the digits are concatenated, not multiplied.
    expect(parseDecimalPrice('0.29', 'USD')).toBe(29);
  });

  it('refuses what it cannot convert exactly', () => {
    expect(() => parseDecimalPrice('19.999', 'USD')).toThrow(/more than 2 decimals/);
    expect(() => parseDecimalPrice('12.5', 'JPY')).toThrow(/more than 0 decimals/);
    expect(() => parseDecimalPrice('-1', 'USD')).toThrow();
    expect(() => parseDecimalPrice('1,000.00', 'USD')).toThrow();
    expect(() => parseDecimalPrice('', 'USD')).toThrow();
  });

  it('formats back for display', () => {
    expect(formatPrice(1999, 'USD')).toBe('$19.99');
    expect(formatPrice(12000, 'JPY')).toBe('¥12,000');
  });
});

describe('importCatalogCsv', () => {
  it('loads valid rows', () => {
    const csv = [
      HEADER,
      'g1,Round Glasses,49.00,USD,10,Eyewear,glasses,assets/models/glasses-round.glb,,1.1,0,-0.05',
      'p1,"Serum, 30 ml",34.5,eur,5,Beauty,None,,assets/catalog/thumbnails/bottle.svg,,,',
    ].join('\n');
    const { products, badRows } = importCatalogCsv(csv);
    expect(badRows).toEqual([]);
    expect(products).toEqual([
      {
        id: 'g1',
        name: 'Round Glasses',
        priceMinor: 4900,
        currency: 'USD',
        stock: 10,
        category: 'Eyewear',
        tryOn: 'glasses',
        model: 'assets/models/glasses-round.glb',
        tryOnAdjustment: { scale: 1.1, offsetX: 0, offsetY: -0.05 },
      },
      {
        id: 'p1',
        name: 'Serum, 30 ml',
        priceMinor: 3450,
        currency: 'EUR',
        stock: 5,
        category: 'Beauty',
        tryOn: 'none',
        thumbnail: 'assets/catalog/thumbnails/bottle.svg',
      },
    ]);
  });

  it('reports every invalid row with its line and reason and keeps the good ones', () => {
    const csv = [
      HEADER, // line 1
      'ok1,Fine,1.00,USD,1,Misc,none,,,,,', // 2
      'bad price,Thing,abc,USD,1,Misc,none,,,,,', // 3: id has a space, price not a number
      'ok2,"Multi', // 4: a name spanning two lines is fine
      'line",2.00,USD,1,Misc,none,,,,,', // 5
      'x1,Thing,1.00,XYZ,1,Misc,none,,,,,', // 6: unknown currency
      'x2,Thing,1.00,USD,-3,Misc,none,,,,,', // 7: negative stock
      'x3,Thing,1.00,USD,1,Misc,crown,,,,,', // 8: unknown try-on kind
      'x4,Thing,1.00,USD,1,Misc,glasses,,,,,', // 9: try-on without a model
      'x5,Thing,1.00,USD,1,Misc,none,https://evil.example/m.glb,,,,', // 10: remote model
      'x6,Thing,1.00,USD,1', // 11: too few fields
      'ok1,Again,1.00,USD,1,Misc,none,,,,,', // 12: duplicate id
      'x7,   ,1.00,USD,1,Misc,none,,,,,', // 13: blank name
      'x8,Thing,1.00,USD,1,Misc,hat,../../etc/passwd.glb,,,,', // 14: path escape
      'x9,Thing,1.00,USD,1,Misc,none,,,huge,,', // 15: scale not a number
    ].join('\r\n');
    const { products, badRows } = importCatalogCsv(csv);
    expect(products.map((p) => p.id)).toEqual(['ok1', 'ok2']);
    expect(products[1]?.name).toBe('Multi\r\nline');
    expect(badRows.map((r) => r.line)).toEqual([3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const reason = (line: number) => badRows.find((r) => r.line === line)?.reason ?? '';
    expect(reason(3)).toMatch(/price "abc"/);
    expect(reason(6)).toMatch(/currency "XYZ"/);
    expect(reason(7)).toMatch(/stock "-3"/);
    expect(reason(8)).toMatch(/^tryOn:/);
    expect(reason(9)).toMatch(/needs a model/);
    expect(reason(10)).toMatch(/not a URL/);
    expect(reason(11)).toMatch(/expected 12 fields, found 5/);
    expect(reason(12)).toMatch(/duplicate id "ok1" \(first on line 2\)/);
    expect(reason(13)).toMatch(/name is empty/);
    expect(reason(14)).toMatch(/'\.\.'/);
    expect(reason(15)).toMatch(/scale "huge"/);
  });

  it('keeps hostile names as plain text, unchanged', () => {
    const hostile = [
      '<img src=x onerror=alert(1)>',
      '=HYPERLINK("http://x","click")',
      '"><script>alert(1)</script>',
      "Robert'); DROP TABLE products;--",
    ];
    const csv = [
      HEADER,
      ...hostile.map((name, i) => `h${i},"${name.replaceAll('"', '""')}",1.00,USD,1,Misc,none,,,,,`),
    ].join('\n');
    const { products, badRows } = importCatalogCsv(csv);
    expect(badRows).toEqual([]);
    expect(products.map((p) => p.name)).toEqual(hostile);
  });

  it('reports a header that is missing columns or has unknown ones', () => {
    expect(importCatalogCsv('id,name\nx,y').badRows).toEqual([
      { line: 1, reason: 'missing column(s): price, currency, stock, category' },
    ]);
    expect(importCatalogCsv('id,name,price,currency,stock,category,colour\n').badRows[0]?.reason).toMatch(
      /unknown column\(s\): colour/,
    );
    expect(importCatalogCsv('').badRows).toEqual([{ line: 1, reason: 'no header row' }]);
  });
});

describe('importCatalogJson', () => {
  it('reports bad products with the line where each starts', () => {
    const json = `{
  "version": 1,
  "products": [
    { "id": "a", "name": "A", "priceMinor": 100, "currency": "USD", "stock": 1, "category": "C", "tryOn": "none" },
    {
      "id": "b", "name": "B [1, 2]", "priceMinor": 1.5, "currency": "USD",
      "stock": 1, "category": "C", "tryOn": "none"
    },
    { "id": "c", "name": "C", "priceMinor": 1, "currency": "USD", "stock": 1, "category": "C", "tryOn": "none", "extra": true },
    "not an object"
  ]
}`;
    const { products, badRows } = importCatalogJson(json);
    expect(products.map((p) => p.id)).toEqual(['a']);
    expect(badRows.map((r) => r.line)).toEqual([5, 9, 10]);
    expect(badRows[0]?.reason).toMatch(/priceMinor: priceMinor must be an integer/);
    expect(badRows[1]?.reason).toMatch(/extra/);
  });

  it('accepts a bare array and reports broken JSON as a whole', () => {
    const row = {
      id: 'a',
      name: 'A',
      priceMinor: 1,
      currency: 'USD',
      stock: 1,
      category: 'C',
      tryOn: 'none',
    };
    expect(importCatalogJson(JSON.stringify([row])).products).toHaveLength(1);
    expect(importCatalogJson('{"products": [').badRows[0]?.reason).toMatch(/not valid JSON/);
    expect(importCatalogJson('{"version": 2, "products": []}').badRows[0]?.reason).toMatch(/version/);
  });
});

describe('demo catalog', () => {
  it('loads, covers every try-on kind, and its files exist', async () => {
    const products = await loadDemoCatalog(path.join(repoRoot, 'assets'));
    expect(products.length).toBeGreaterThanOrEqual(10);
    expect(new Set(products.map((p) => p.tryOn))).toEqual(new Set(TRY_ON_KINDS));
    for (const product of products) {
      expect(Product.parse(product)).toEqual(product);
      for (const file of [product.model, product.thumbnail]) {
        if (file) expect(existsSync(path.join(repoRoot, file)), file).toBe(true);
      }
    }
  });

  it('imports files by extension', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'catalog-'));
    const csv = path.join(dir, 'mine.csv');
    await writeFile(csv, `${HEADER}\nq1,Q,1.00,USD,1,Misc,none,,,,,\n`);
    expect((await importCatalogFile(csv)).products).toHaveLength(1);
    await expect(importCatalogFile(path.join(dir, 'mine.xlsx'))).rejects.toThrow(/\.json or \.csv/);
  });
});
