// The chat as a shopper's viewer page sees it, over the SFU's signaling (see signaling.ts:
// getChat, sendChat and the chat notifications). Browser code imports this file: zod only.
import { z } from 'zod';

/** A message every shopper may see. Untrusted text: the page renders it as text only. */
export const ViewerChatMessage = z.object({
  id: z.string(),
  ts: z.number(),
  viewerId: z.string(),
  displayName: z.string().nullable(),
  text: z.string(),
  fromHost: z.boolean(),
});
export type ViewerChatMessage = z.infer<typeof ViewerChatMessage>;

export const ViewerChat = z.object({
  /** The most recent visible messages, oldest first. */
  messages: z.array(ViewerChatMessage),
  pinned: ViewerChatMessage.nullable(),
  /** At most one message per shopper every N seconds (0: off). */
  slowModeSeconds: z.number().int().min(0),
});
export type ViewerChat = z.infer<typeof ViewerChat>;
