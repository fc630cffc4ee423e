// Auto-moderation rules and heuristics, including the usual evasions. The classifier is
// left out here (see toxicity.test.ts) so each rule is tested on its own.
import { describe, expect, it } from 'vitest';
import { Automod } from '../../../protocol/automod';
import { DEFAULT_RULES } from '../../../protocol/moderation';

const T0 = Date.UTC(2025, 5, 1, 18);
let n = 0;
const check = (automod: Automod, text: string, viewerId = `v${n++}`, ts = T0 + n * 60_000) =>
  automod.check({ viewerId, text, ts });

describe('automod', () => {
  const automod = new Automod(null);

  it('lets ordinary shop talk through', () => {
    for (const text of [
      'is this real silk?',
      'Does it come in black?',
      'classic assessment of the grass hat',
      'e.g. size 42',
    ])
      expect(check(automod, text)).toMatchObject({ held: false, reason: '' });
  });

  it('holds profanity, leetspeak and spacing tricks, naming the word', () => {
    expect(check(automod, 'what a sh1t show').reason).toBe("blocked word 'shit'");
    expect(check(automod, 'f u c k this').reason).toBe("blocked word 'fuck'");
    expect(check(automod, 'fuuuuck').held).toBe(true);
    expect(check(automod, 'b1tch please').held).toBe(true);
  });

  it('holds links and producers’ phrases, with both reasons', () => {
    expect(check(automod, 'free followers at www.boost.example').reason).toBe("link + 'free followers'");
    expect(check(automod, 'FR33 F0LL0WERS here').reason).toContain("'free followers'");
    expect(check(automod, 'see https://x.example/a').reason).toBe('link');
    expect(check(automod, 'javascript:alert(1)').reason).toBe('link');
  });

  it('holds shouting and repeated text', () => {
    expect(check(automod, 'WHY IS EVERYTHING SO EXPENSIVE').reason).toBe('shouting');
    expect(check(automod, 'buy buy buy buy buy buy').reason).toBe('repeated text');
    expect(check(automod, 'looooooooooooool').reason).toBe('repeated text');
  });

  it('holds the same message again and floods from one shopper, by message time', () => {
    const fresh = new Automod(null);
    expect(fresh.check({ viewerId: 'a', text: 'hello', ts: T0 }).held).toBe(false);
    expect(fresh.check({ viewerId: 'a', text: 'hello', ts: T0 + 1000 }).reason).toBe('same message again');
    const flood = new Automod(null);
    const verdicts = Array.from({ length: 7 }, (_, i) =>
      flood.check({ viewerId: 'f', text: `msg ${i}`, ts: T0 + i * 500 }),
    );
    expect(verdicts.slice(0, 5).every((v) => !v.held)).toBe(true);
    expect(verdicts[5]!.reason).toBe('flooding');
  });

  it('follows the producers’ rules', () => {
    const relaxed = new Automod(null);
    relaxed.setRules({ ...DEFAULT_RULES, links: 'allow', caps: false, blockedTerms: ['silk'] });
    expect(relaxed.check({ viewerId: 'r', text: 'see www.shop.example', ts: T0 }).held).toBe(false);
    expect(relaxed.check({ viewerId: 'r', text: 'LOVE THIS SO MUCH TODAY', ts: T0 + 60_000 }).held).toBe(
      false,
    );
    expect(relaxed.check({ viewerId: 'r', text: 'is it S1LK?', ts: T0 + 120_000 }).reason).toBe("'silk'");
  });

  it('keeps reasons short enough for the event', () => {
    const verdict = check(automod, `FREE FOLLOWERS www.a.example ${'spam '.repeat(300)}`);
    expect(verdict.reason.length).toBeLessThanOrEqual(200);
  });
});
