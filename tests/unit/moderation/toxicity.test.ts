// The TypeScript scoring of the exported classifier agrees with the Python model
// (alt-profanity-check's predict_prob) on every probe string and labelled line; the
// expected scores are computed by Python at setup (scripts/toxicity-model.ts).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ToxicityClassifier } from '../../../protocol/toxicity';
import { ensureToxicityModel, expectedScoresPath } from '../../../scripts/toxicity-model';

let classifier: ToxicityClassifier;
let expected: Array<{ text: string; score: number }>;

beforeAll(async () => {
  // First use on a fresh machine installs the pinned packages and exports the model.
  classifier = ToxicityClassifier.fromJson(readFileSync(await ensureToxicityModel(), 'utf8'));
  expected = JSON.parse(readFileSync(expectedScoresPath(), 'utf8')) as typeof expected;
}, 15 * 60_000);

describe('toxicity classifier in TypeScript', () => {
  it('scores every probe string as the Python model does', () => {
    expect(expected.length).toBeGreaterThan(300);
    for (const { text, score } of expected) expect(classifier.score(text), text).toBeCloseTo(score, 9);
  });

  it('separates insults from shop talk', () => {
    expect(classifier.score('you are a complete idiot')).toBeGreaterThan(0.9);
    expect(classifier.score('is this real silk?')).toBeLessThan(0.2);
  });

  it('refuses a file that is not an exported model', () => {
    expect(() => ToxicityClassifier.fromJson('{"terms": []}')).toThrow(/not an exported/);
  });
});
