// Scores text with the trained toxicity classifier exported by scripts/toxicity-model.ts
// (alt-profanity-check: TF-IDF over word unigrams, then five linear SVMs, each with its own
// sigmoid calibration, averaged). The same arithmetic as scikit-learn's
// TfidfVectorizer.transform + CalibratedClassifierCV.predict_proba, checked against the
// Python model by tests/unit/moderation/toxicity.test.ts. Pure: the caller loads the JSON.
import { z } from 'zod';

export const ToxicityModelFile = z.object({
  source: z.string(),
  /** [term, idf, coefficient of fold 1, …, coefficient of fold n] in vocabulary order. */
  terms: z.array(z.array(z.union([z.string(), z.number()]))).min(1),
  folds: z.array(z.object({ intercept: z.number(), a: z.number(), b: z.number() })).min(1),
});
export type ToxicityModelFile = z.infer<typeof ToxicityModelFile>;

/** scikit-learn's default token_pattern (?u)\b\w\w+\b: runs of 2+ Unicode word characters. */
const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

export class ToxicityClassifier {
  /** term → [idf, coef fold 1, …]. */
  private readonly weights = new Map<string, Float64Array>();
  private readonly folds: ToxicityModelFile['folds'];
  readonly source: string;

  constructor(file: ToxicityModelFile) {
    this.folds = file.folds;
    this.source = file.source;
    for (const row of file.terms) {
      const [term, ...numbers] = row;
      if (typeof term !== 'string' || numbers.length !== this.folds.length + 1)
        throw new Error('toxicity model: malformed term row');
      this.weights.set(term, Float64Array.from(numbers as number[]));
    }
  }

  /** Parses the exported JSON text; throws with a clear message when it is not a model. */
  static fromJson(text: string): ToxicityClassifier {
    const parsed = ToxicityModelFile.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error('toxicity model: not an exported alt-profanity-check model');
    return new ToxicityClassifier(parsed.data);
  }

  get vocabularySize(): number {
    return this.weights.size;
  }

  /** Probability (0–1) that the text is offensive. */
  score(text: string): number {
    const counts = new Map<Float64Array, number>();
    for (const match of text.toLowerCase().matchAll(TOKEN)) {
      const weights = this.weights.get(match[0]);
      if (weights) counts.set(weights, (counts.get(weights) ?? 0) + 1);
    }
    // tf-idf, then l2 normalisation, then each fold's decision function.
    let norm = 0;
    for (const [weights, count] of counts) norm += (count * weights[0]!) ** 2;
    norm = Math.sqrt(norm);
    let sum = 0;
    for (let fold = 0; fold < this.folds.length; fold++) {
      const { intercept, a, b } = this.folds[fold]!;
      let decision = intercept;
      if (norm > 0)
        for (const [weights, count] of counts)
          decision += ((count * weights[0]!) / norm) * weights[fold + 1]!;
      sum += 1 / (1 + Math.exp(a * decision + b));
    }
    return sum / this.folds.length;
  }
}

/** Version of the exported model; scripts/toxicity-model.ts writes it to this folder of the cache. */
export const TOXICITY_MODEL_DIR = 'toxicity-model-1.9.1';

/** Where the exported model is: $SHOPCAST_TOXICITY_MODEL, else the setup cache. */
export function toxicityModelFile(env: Record<string, string | undefined>, home: string): string {
  if (env.SHOPCAST_TOXICITY_MODEL) return env.SHOPCAST_TOXICITY_MODEL;
  const cache = env.SHOPCAST_CACHE || `${home}/.cache/shopcast-studio`;
  return `${cache}/${TOXICITY_MODEL_DIR}/model.json`;
}
