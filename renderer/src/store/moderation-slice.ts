import type { StateCreator } from 'zustand';
import type {
  ChatEntry,
  ModerationDelta,
  ModerationSnapshot,
  ShopperStanding,
} from '../../../protocol/moderation';

/** Messages the window keeps (the studio keeps more; search covers these). */
export const WINDOW_MESSAGES = 5000;

/** The show's chat moderation, as main/moderation/moderation.ts pushes it. */
export interface ModerationSlice {
  moderation: Omit<ModerationSnapshot, 'messages' | 'shoppers'> | null;
  /** Oldest first. Untrusted text: render as text only. */
  chatEntries: ChatEntry[];
  shoppers: Record<string, ShopperStanding>;
  /** Bumped on every change to chatEntries, so views can tell cheaply. */
  chatVersion: number;
  moderationNote: string | null;
  applyModeration(delta: ModerationDelta): void;
  setModerationNote(note: string | null): void;
}

export const createModerationSlice: StateCreator<ModerationSlice, [], [], ModerationSlice> = (set) => ({
  moderation: null,
  chatEntries: [],
  shoppers: {},
  chatVersion: 0,
  moderationNote: null,
  setModerationNote: (moderationNote) => set({ moderationNote }),
  applyModeration: (delta) =>
    set((state) => {
      const { messages = [], shoppers = [], reset, ...rest } = delta;
      let entries = reset ? [] : state.chatEntries;
      if (messages.length > 0) {
        const index = new Map(entries.map((entry, at) => [entry.id, at]));
        entries = entries.slice();
        for (const message of messages) {
          const at = index.get(message.id);
          if (at === undefined) entries.push(message);
          else entries[at] = message;
        }
        if (entries.length > WINDOW_MESSAGES) entries = entries.slice(-WINDOW_MESSAGES);
      }
      const standings = reset ? {} : { ...state.shoppers };
      for (const shopper of shoppers) standings[shopper.viewerId] = shopper;
      const base =
        reset || !state.moderation
          ? (rest as ModerationSlice['moderation'])
          : { ...state.moderation, ...rest };
      return {
        moderation: base,
        chatEntries: entries,
        shoppers: standings,
        chatVersion: state.chatVersion + (messages.length > 0 || reset ? 1 : 0),
      };
    }),
});
