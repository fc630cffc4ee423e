// Auto-moderation: decides whether a chat message is held for review, and says why in
// words a producer reads ("link + 'free followers'", "toxicity 0.97"). One module for
// every place that runs it (the SFU's chat gate, and each studio for chat that did not
// pass a gate), so the same message and rules give the same verdict everywhere.
// Pure apart from the sender history it keeps for repeats and floods, which it reads from
// message timestamps, never the clock.
import {
  DataSet,
  RegExpMatcher,
  englishDataset,
  englishRecommendedTransformers,
  parseRawPattern,
} from 'obscenity';
import type { ModerationRules } from './events';
import { DEFAULT_RULES } from './moderation';
import type { ToxicityClassifier } from './toxicity';

export interface AutomodVerdict {
  held: boolean;
  /** Every signal that fired, joined with " + "; empty when nothing did. */
  reason: string;
  /** The classifier's score, when it ran. */
  toxicity: number | null;
}

export interface AutomodMessage {
  viewerId: string;
  text: string;
  ts: number;
}

const FLOOD_WINDOW_MS = 10_000;
const FLOOD_MESSAGES = 6;
const REPEAT_WINDOW_MS = 30_000;
const SENDERS_KEPT = 10_000;

// Links: a scheme, "www.", or host.tld/… with a common top-level domain (no bare "e.g.").
const LINK =
  /(?:\b[a-z][a-z0-9+.-]*:\/\/|\bwww\.|\bjavascript:|\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|ly|me|co|info|biz|xyz|top|example|app|gg|link|shop|store|online|site|ru|cn|tk)\b(?:\/|\b))/i;

/** "f u c k" and "f.r.e.e" spell words out; joined, the word list sees them. */
function joinSpelledOut(text: string): string {
  return text.replace(/\b(?:\p{L}[\s._*-]){2,}\p{L}\b/gu, (run) => run.replace(/[\s._*-]/g, ''));
}

function shouting(text: string): boolean {
  let upper = 0;
  let letters = 0;
  for (const char of text) {
    if (char.toLowerCase() === char.toUpperCase()) continue;
    letters++;
    if (char === char.toUpperCase()) upper++;
  }
  return letters >= 12 && upper / letters >= 0.7;
}

function repetitive(text: string): boolean {
  if (/(.)\1{9,}/su.test(text)) return true; // one character 10+ times
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length < 5) return false;
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  const most = Math.max(...counts.values());
  return most >= 5 && most / words.length >= 0.5;
}

interface WordMatcher {
  matcher: RegExpMatcher;
  dataset: DataSet<{ originalWord: string }>;
}

/** The word a match stands for, as the producer typed it (or the library lists it). */
function matchedWord({ matcher, dataset }: WordMatcher, text: string): string | null {
  const match = matcher.getAllMatches(text)[0];
  if (!match) return null;
  return dataset.getPayloadWithPhraseMetadata(match).phraseMetadata?.originalWord ?? 'a blocked word';
}

/** Compiles producers' blocked terms with the library's leetspeak-tolerant matching. */
function termMatcher(terms: readonly string[]): WordMatcher | null {
  const dataset = new DataSet<{ originalWord: string }>();
  for (const term of terms) {
    // Pattern syntax characters are taken literally: producers type words, not patterns.
    const literal = term
      .toLowerCase()
      .replace(/[[\]()|?\\]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (!literal) continue;
    try {
      dataset.addPhrase((phrase) =>
        phrase.setMetadata({ originalWord: term }).addPattern(parseRawPattern(literal)),
      );
    } catch {
      // A term the library cannot compile is skipped, not fatal.
    }
  }
  const built = dataset.build();
  if (built.blacklistedTerms.length === 0) return null;
  return { matcher: new RegExpMatcher({ ...built, ...englishRecommendedTransformers }), dataset };
}

let builtIn: WordMatcher | null = null;
/** The library's English list, compiled once per process. */
function profanityMatcher(): WordMatcher {
  builtIn ??= {
    matcher: new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers }),
    dataset: englishDataset as DataSet<{ originalWord: string }>,
  };
  return builtIn;
}

export class Automod {
  private rules: ModerationRules = DEFAULT_RULES;
  private terms: WordMatcher | null = termMatcher(DEFAULT_RULES.blockedTerms);
  /** Recent messages per sender (ts and text), for floods and repeats; oldest senders forgotten. */
  private readonly senders = new Map<string, Array<{ ts: number; text: string }>>();

  constructor(private readonly classifier: ToxicityClassifier | null) {}

  get hasClassifier(): boolean {
    return this.classifier !== null;
  }

  setRules(rules: ModerationRules): void {
    if (rules.blockedTerms.join('\n') !== this.rules.blockedTerms.join('\n'))
      this.terms = termMatcher(rules.blockedTerms);
    this.rules = rules;
  }

  /** The verdict for one message; also remembers it as its sender's latest. */
  check(message: AutomodMessage): AutomodVerdict {
    const rules = this.rules;
    const reasons: string[] = [];
    const { text } = message;
    const joined = joinSpelledOut(text);

    if (rules.links === 'hold' && LINK.test(text)) reasons.push('link');
    if (this.terms) {
      const term = matchedWord(this.terms, text) ?? matchedWord(this.terms, joined);
      if (term) reasons.push(`'${term}'`);
    }
    if (rules.profanity) {
      const word = matchedWord(profanityMatcher(), text) ?? matchedWord(profanityMatcher(), joined);
      if (word) reasons.push(`blocked word '${word}'`);
    }
    let toxicity: number | null = null;
    if (this.classifier) {
      toxicity = this.classifier.score(text);
      if (rules.toxicityHoldAt < 1 && toxicity >= rules.toxicityHoldAt)
        reasons.push(`toxicity ${toxicity.toFixed(2)}`);
    }
    if (rules.caps && shouting(text)) reasons.push('shouting');
    if (rules.repeats && repetitive(text)) reasons.push('repeated text');

    const history = this.history(message);
    if (rules.repeats && history.some((m) => m.text === text && message.ts - m.ts < REPEAT_WINDOW_MS))
      reasons.push('same message again');
    if (
      rules.floods &&
      history.filter((m) => message.ts - m.ts < FLOOD_WINDOW_MS).length >= FLOOD_MESSAGES - 1
    )
      reasons.push('flooding');
    history.push({ ts: message.ts, text });

    const reason = reasons.join(' + ');
    return {
      held: reasons.length > 0,
      reason: reason.length > 200 ? `${reason.slice(0, 199)}…` : reason,
      toxicity,
    };
  }

  private history(message: AutomodMessage): Array<{ ts: number; text: string }> {
    let history = this.senders.get(message.viewerId);
    if (!history) {
      if (this.senders.size >= SENDERS_KEPT) this.senders.delete(this.senders.keys().next().value as string);
      history = [];
      this.senders.set(message.viewerId, history);
    }
    // Only what the two windows can still see.
    while (history.length > 0 && message.ts - history[0]!.ts >= REPEAT_WINDOW_MS) history.shift();
    if (history.length > 20) history.splice(0, history.length - 20);
    return history;
  }
}
