// Our fixes to dependencies, applied to node_modules by our own drivers (npm start, npm test,
// the test setups, the Electron build). npm would not run a postinstall step: .npmrc turns
// install scripts off. Each patches/<package>+<version>.patch is a unified diff against the
// published package; PATCHED_FILES pins every file before and after by sha256, so a patch
// is applied exactly once, to exactly the file it was written for.
//
//   npx tsx scripts/patch-dependencies.ts           apply what is missing, say what was done
//   npx tsx scripts/patch-dependencies.ts --check   only check (exit 1 if a patch is missing)
//   npx tsx scripts/patch-dependencies.ts --quiet   say nothing when nothing was to do
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface PatchedFile {
  patch: string;
  /** sha256 of the published file. */
  before: string;
  /** sha256 once patched. */
  after: string;
}

/** Every file a patch touches, by path from the repo root. */
export const PATCHED_FILES: Record<string, PatchedFile> = {
  // kafkajs 2.2.4: a consumer stopped while its fetchers were being rebuilt spun forever
  // without yielding (docs/kafka-client.md).
  'node_modules/kafkajs/src/consumer/fetchManager.js': {
    patch: 'kafkajs+2.2.4.patch',
    before: '9a07c96b6150d654ab47c3fe7f98a6ae9c3fc3fdf340ad8001d69dc25e3131d0',
    after: '5f56021cf7d4e7d6d1d8e381867d117212295039c18cc401d94b7614c1220cd8',
  },
  // …and one broker refusing connections (crashed, not yet fenced) stopped the fetches from
  // every broker, then crashed the consumer, for up to half a minute.
  // …and a group coordinator that died or moved stopped every fetch too (the heartbeat's error),
  // then crashed the consumer, whose restart could not join until the old member expired.
  'node_modules/kafkajs/src/consumer/consumerGroup.js': {
    patch: 'kafkajs+2.2.4.patch',
    before: 'f3e461738585a8dc6574c647123a18afc732f81cdee4f9f7bb62e4aa1dffbfbb',
    after: 'fbed0d1bc1f1fb0768041d51f9b619114714ffea5177fe40f46e551afd6ee10e',
  },
  'node_modules/kafkajs/src/consumer/fetcher.js': {
    patch: 'kafkajs+2.2.4.patch',
    before: 'a9418ebe7cffdbac79408ebf176450e508420bb2cdb2ae51d79bf4ee1a244c16',
    after: 'a4a2ae6049296b70b494b457e913c8059aa457528dc998dcecc8c89c399631f3',
  },
  // …and a consumer disconnected while it (re)joined its group started fetching anyway, or
  // restarted after a crash it was handling, and nothing could stop it any more; a consumer
  // restarted after a crash rejoined as a new member, held until the old one expired.
  'node_modules/kafkajs/src/consumer/runner.js': {
    patch: 'kafkajs+2.2.4.patch',
    before: 'fad3247df2e3ba483b94e014e5c5916fd72d7bdfc3b3dfccc5232b60da18306d',
    after: '4818f0af1e23360629871b153abe0781151044f4d4cbce6960fff7868777eb0b',
  },
  'node_modules/kafkajs/src/consumer/index.js': {
    patch: 'kafkajs+2.2.4.patch',
    before: 'cdf5b3d7c67364b2b55a5c491225c08318054b515e079fa3aa7b7d9f4d8d19dd',
    after: '3d0d84923d4277baf4d42c1c8bfcc451642cab144781f1c37fc4e42809d9e6bb',
  },
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Hunk {
  oldStart: number;
  oldLines: string[];
  newLines: string[];
}

/** The hunks of each file in a unified diff, keyed by the path after "b/". */
export function parseUnifiedDiff(diff: string): Map<string, Hunk[]> {
  const files = new Map<string, Hunk[]>();
  let hunks: Hunk[] | null = null;
  let hunk: Hunk | null = null;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      hunks = [];
      files.set(line.slice(4).trim().replace(/^b\//, ''), hunks);
      hunk = null;
    } else if (line.startsWith('--- ')) {
      hunk = null;
    } else if (line.startsWith('@@ ')) {
      const match = /^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@/.exec(line);
      if (!match || !hunks) throw new Error(`Malformed hunk header: ${line}`);
      hunk = { oldStart: Number(match[1]), oldLines: [], newLines: [] };
      hunks.push(hunk);
    } else if (hunk) {
      const body = line.slice(1);
      if (line.startsWith(' ') || line === '') {
        hunk.oldLines.push(body);
        hunk.newLines.push(body);
      } else if (line.startsWith('-')) hunk.oldLines.push(body);
      else if (line.startsWith('+')) hunk.newLines.push(body);
    }
  }
  return files;
}

/** Applies hunks to a file's text; each must match exactly where the diff says. */
export function applyHunks(text: string, hunks: Hunk[]): string {
  const lines = text.split('\n');
  // A diff's trailing blank context line is an artefact of split('\n'); drop it from both sides.
  let shift = 0;
  for (const hunk of hunks) {
    while (hunk.oldLines.at(-1) === '' && hunk.newLines.at(-1) === '') {
      hunk.oldLines.pop();
      hunk.newLines.pop();
    }
    const at = hunk.oldStart - 1 + shift;
    const found = lines.slice(at, at + hunk.oldLines.length);
    if (found.join('\n') !== hunk.oldLines.join('\n')) {
      throw new Error(`A hunk at line ${hunk.oldStart} does not match the file`);
    }
    lines.splice(at, hunk.oldLines.length, ...hunk.newLines);
    shift += hunk.newLines.length - hunk.oldLines.length;
  }
  return lines.join('\n');
}

export type PatchState = 'patched' | 'unpatched' | 'unknown' | 'missing';

/** Where each patched file stands, without changing anything. */
export function patchStates(root = repoRoot): Record<string, PatchState> {
  const states: Record<string, PatchState> = {};
  for (const [path, file] of Object.entries(PATCHED_FILES)) {
    const full = join(root, path);
    if (!existsSync(full)) {
      states[path] = 'missing';
      continue;
    }
    const sum = sha256(readFileSync(full, 'utf8'));
    states[path] = sum === file.after ? 'patched' : sum === file.before ? 'unpatched' : 'unknown';
  }
  return states;
}

/**
 * Applies every patch that is not applied yet. Returns the files it changed. Throws when
 * a file is neither the published one nor ours (a different version was installed).
 */
export function ensureDependencyPatches(
  progress: (line: string) => void = () => {},
  root = repoRoot,
): string[] {
  const changed: string[] = [];
  const diffs = new Map<string, Map<string, Hunk[]>>();
  for (const [path, state] of Object.entries(patchStates(root))) {
    const file = PATCHED_FILES[path]!;
    if (state === 'patched') continue;
    if (state !== 'unpatched') {
      throw new Error(
        `${path} is ${state === 'missing' ? 'missing' : 'not the version patches/' + file.patch + ' was written for'}. ` +
          'Reinstall the dependencies (npm ci), or update the patch and its checksums in scripts/patch-dependencies.ts.',
      );
    }
    if (!diffs.has(file.patch)) {
      diffs.set(file.patch, parseUnifiedDiff(readFileSync(join(root, 'patches', file.patch), 'utf8')));
    }
    const hunks = diffs.get(file.patch)!.get(path);
    if (!hunks) throw new Error(`patches/${file.patch} has no changes for ${path}`);
    const full = join(root, path);
    const patched = applyHunks(readFileSync(full, 'utf8'), hunks);
    if (sha256(patched) !== file.after) {
      throw new Error(`Applying patches/${file.patch} to ${path} did not give the expected file`);
    }
    writeFileSync(full, patched);
    changed.push(path);
    progress(`Patched ${path} (patches/${file.patch})`);
  }
  return changed;
}

function cli(): void {
  if (process.argv.includes('--check')) {
    const states = patchStates();
    const bad = Object.entries(states).filter(([, state]) => state !== 'patched');
    for (const [path, state] of bad) console.error(`[patches] ${path}: ${state}`);
    if (bad.length) process.exit(1);
    console.log(`[patches] all ${Object.keys(states).length} patched files are in place`);
    return;
  }
  try {
    const changed = ensureDependencyPatches((line) => console.log(`[patches] ${line}`));
    if (!changed.length && !process.argv.includes('--quiet')) console.log('[patches] already applied');
  } catch (error) {
    console.error(`[patches] ${(error as Error).message}`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) cli();
