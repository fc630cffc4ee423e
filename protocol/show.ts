// The show a studio is running, as the studio services and every window see it.
import { z } from 'zod';
import { isCurrencyCode } from './events';

export const ShowMode = z.enum(['live', 'rehearsal']);
export type ShowMode = z.infer<typeof ShowMode>;

export const ShowState = z.object({
  showId: z.string(),
  title: z.string(),
  mode: ShowMode,
  currency: z.string(),
  startedAt: z.number(),
  pinnedProductId: z.string().nullable(),
  soldOutProductIds: z.array(z.string()),
});
export type ShowState = z.infer<typeof ShowState>;

export const StartShowRequest = z
  .object({
    title: z.string().trim().min(1).max(200).default('Untitled show'),
    mode: ShowMode,
    /** Absent: the last show's currency, else the one most of the catalog is priced in. */
    currency: z.string().refine(isCurrencyCode, 'ISO 4217 currency code, e.g. EUR').optional(),
  })
  .strict();
