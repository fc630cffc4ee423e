// What each product did in this show, and what each pin of a product sold.
import type { ShowMetricsSnapshot } from '../../../protocol/metrics';
import { formatClock, formatCount, formatMoney } from './format';

const MAX_ROWS = 50;

type ProductFigures = ShowMetricsSnapshot['products'][number];

/** The header of a table of products' figures (the Dashboard's, a replay's). */
export function ProductFiguresHeader() {
  return (
    <tr>
      <th>Product</th>
      <th>Cart adds</th>
      <th>Orders</th>
      <th>Units</th>
      <th>Revenue</th>
    </tr>
  );
}

/** A product's figures, after the cell that names it. */
export function ProductFigureCells({
  product,
  money,
}: {
  product: Pick<ProductFigures, 'cartAdds' | 'orders' | 'units' | 'revenueMinor'>;
  money: (minor: number) => string;
}) {
  return (
    <>
      <td>{formatCount(product.cartAdds)}</td>
      <td>{formatCount(product.orders)}</td>
      <td>{formatCount(product.units)}</td>
      <td>{money(product.revenueMinor)}</td>
    </>
  );
}

export function ProductTable({ snapshot }: { snapshot: ShowMetricsSnapshot }) {
  const money = (minor: number) => formatMoney(minor, snapshot.currency);
  return (
    <section className="panel" aria-label="Products">
      <h3>Products</h3>
      {snapshot.products.length === 0 ? (
        <p className="muted">No cart adds or orders yet.</p>
      ) : (
        <table className="data-table" data-testid="product-table">
          <thead>
            <ProductFiguresHeader />
          </thead>
          <tbody>
            {snapshot.products.slice(0, MAX_ROWS).map((p) => (
              <tr key={p.productId} data-product={p.productId}>
                <td>
                  {p.productId}
                  {p.productId === snapshot.pinnedProductId && <span className="tag">pinned</span>}
                  {p.soldOut && <span className="tag tag-bad">sold out</span>}
                </td>
                <ProductFigureCells product={p} money={money} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {snapshot.productsTotal > Math.min(MAX_ROWS, snapshot.products.length) && (
        <p className="muted" data-testid="product-table-more">
          The {formatCount(Math.min(MAX_ROWS, snapshot.products.length))} best-selling of{' '}
          {formatCount(snapshot.productsTotal)} products.
        </p>
      )}
    </section>
  );
}

export function PinTable({ snapshot }: { snapshot: ShowMetricsSnapshot }) {
  const money = (minor: number) => formatMoney(minor, snapshot.currency);
  return (
    <section className="panel" aria-label="Pins">
      <h3>What each pin sold</h3>
      {snapshot.pins.length === 0 ? (
        <p className="muted">No product pinned yet.</p>
      ) : (
        <table className="data-table" data-testid="pin-table">
          <thead>
            <tr>
              <th>Pinned</th>
              <th>Product</th>
              <th title="The pinned product's own lines in orders placed during the pin">Its orders</th>
              <th>Its units</th>
              <th>Its revenue</th>
              <th title="Every order placed during the pin, whatever it contained">All orders in window</th>
            </tr>
          </thead>
          <tbody>
            {[...snapshot.pins]
              .reverse()
              .slice(0, MAX_ROWS)
              .map((w) => (
                <tr key={`${w.productId}-${w.pinnedAt}`}>
                  <td>
                    {formatClock(w.pinnedAt)}–{w.unpinnedAt === null ? 'now' : formatClock(w.unpinnedAt)}
                  </td>
                  <td>{w.productId}</td>
                  <td>{formatCount(w.productOrders)}</td>
                  <td>{formatCount(w.productUnits)}</td>
                  <td>{money(w.productRevenueMinor)}</td>
                  <td>
                    {formatCount(w.windowOrders)} · {money(w.windowRevenueMinor)}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
      {snapshot.pinsTotal > Math.min(MAX_ROWS, snapshot.pins.length) && (
        <p className="muted" data-testid="pin-table-more">
          The last {formatCount(Math.min(MAX_ROWS, snapshot.pins.length))} of{' '}
          {formatCount(snapshot.pinsTotal)} pins.
        </p>
      )}
    </section>
  );
}
