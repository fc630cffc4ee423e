// The shopper viewer page's HTTP calls to the SFU process (server/viewer): the pinned
// product it shows, and the add-to-cart / buy clicks that become Kafka events there.
//
//   GET  /shows/:showId/pinned?token=<viewerToken>   → PinnedProductAnswer
//   PUT  /shows/:showId/pinned  (Authorization: Bearer <admin secret>, body PinnedProductAnswer)
//   POST /shows/:showId/actions (application/json, body ViewerActionRequest) → 202 ViewerActionAnswer,
//        or ViewerActionRefusal: 404 `not-pinned` (only the product pinned now can be bought),
//        409 `sold-out`, 401 wrong token, 400 invalid, 403 another site's page, 415 not JSON
//
// Browser code imports this file too: zod only.
import { z } from 'zod';
import { Payment } from './events';

const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/** What a shopper sees of the pinned product. The price the SFU charges is this one, never the page's. */
export const PinnedProduct = z.object({
  productId: Id,
  name: z.string().min(1).max(200),
  priceMinor: z.number().int().min(0).max(1e13),
  currency: z.string().regex(/^[A-Z]{3}$/),
  /** The studio marked it sold out: the page says so and the SFU refuses clicks on it. */
  soldOut: z.boolean().optional(),
});
export type PinnedProduct = z.infer<typeof PinnedProduct>;

export const PinnedProductAnswer = z.object({ product: PinnedProduct.nullable() });
export type PinnedProductAnswer = z.infer<typeof PinnedProductAnswer>;

const qty = z.number().int().min(1).max(99);

export const ViewerAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('add_to_cart'), productId: Id, qty }),
  z.object({ action: z.literal('buy'), productId: Id, qty, payment: Payment }),
]);
export type ViewerAction = z.infer<typeof ViewerAction>;

export const ViewerActionRequest = z.object({
  /** The show's viewer token, from the viewer link. */
  token: z.string().min(1).max(256),
  /** A per-page id the shopper keeps for the session (no accounts here). */
  viewerId: Id,
  action: ViewerAction,
});
export type ViewerActionRequest = z.infer<typeof ViewerActionRequest>;

export const ViewerActionAnswer = z.object({
  eventId: z.string(),
  type: z.enum(['cart.item_added', 'order.placed']),
  orderId: z.string().optional(),
});
export type ViewerActionAnswer = z.infer<typeof ViewerActionAnswer>;

/** Why a click was refused, so the page can say so (see the status codes above). */
export const ViewerActionRefusal = z.object({
  error: z.string(),
  reason: z.enum(['not-pinned', 'sold-out']).optional(),
});
export type ViewerActionRefusal = z.infer<typeof ViewerActionRefusal>;
