// Loads the exported toxicity classifier for the SFU's chat gate. Missing or unreadable:
// auto-moderation runs its rules without it, and says so in the log.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { ToxicityClassifier, toxicityModelFile } from '../../protocol/toxicity';

export function loadToxicityClassifier(
  env: Record<string, string | undefined>,
  log: (line: string) => void,
): ToxicityClassifier | null {
  const file = toxicityModelFile(env, homedir());
  try {
    const classifier = ToxicityClassifier.fromJson(readFileSync(file, 'utf8'));
    log(`toxicity classifier loaded (${classifier.vocabularySize} terms) from ${file}`);
    return classifier;
  } catch (error) {
    log(
      `toxicity classifier unavailable (${(error as Error).message}); chat auto-moderation runs its rules only. ` +
        'Run `npx tsx scripts/toxicity-model.ts` to set it up.',
    );
    return null;
  }
}
