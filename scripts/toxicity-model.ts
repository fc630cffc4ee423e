// The trained toxicity classifier that auto-moderation uses, prepared once per machine:
// PyPI's alt-profanity-check (MIT; TF-IDF + five sigmoid-calibrated linear SVMs) is
// installed at the pinned versions into a venv in the cache, and scripts/toxicity-model/
// export.py writes its vocabulary, idf and coefficients to model.json, which
// protocol/moderation/toxicity.ts scores in TypeScript. The same run scores the probe
// strings with the Python model (expected-scores.json) for the parity unit test.
//
//   npx tsx scripts/toxicity-model.ts      # progress on stderr, the model path on stdout
//
// Cached in ${SHOPCAST_CACHE:-$HOME/.cache/shopcast-studio}/toxicity-model-1.9.1/.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOXICITY_MODEL_DIR } from '../protocol/toxicity';

type Progress = (line: string) => void;

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..');
const REQUIREMENTS = join(here, 'toxicity-model', 'requirements.txt');
const EXPORTER = join(here, 'toxicity-model', 'export.py');
/** Strings the parity test compares: the labelled set plus the probe list. */
export const PROBE_FILES = [
  join(repoRoot, 'tests', 'unit', 'moderation', 'classifier-probe.txt'),
  join(repoRoot, 'assets', 'moderation', 'labelled-chat.tsv'),
];

export function toxicityModelDir(): string {
  const cache = process.env.SHOPCAST_CACHE || join(homedir(), '.cache', 'shopcast-studio');
  return join(cache, TOXICITY_MODEL_DIR);
}

export const toxicityModelPath = () => join(toxicityModelDir(), 'model.json');
export const expectedScoresPath = () => join(toxicityModelDir(), 'expected-scores.json');

/** What the cached export was made from; a change to any of these makes it again. */
function inputsDigest(probe: string): string {
  const hash = createHash('sha256');
  for (const file of [REQUIREMENTS, EXPORTER]) hash.update(readFileSync(file));
  hash.update(probe);
  return hash.digest('hex').slice(0, 16);
}

/** One probe text per line: the probe list as it is, and the labelled set's text column. */
function probeStrings(): string {
  const lines: string[] = [];
  for (const file of PROBE_FILES) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim() || line.startsWith('#')) continue;
      lines.push(file.endsWith('.tsv') ? (line.split('\t')[1] ?? '') : line);
    }
  }
  return `${lines.filter((line) => line.trim()).join('\n')}\n`;
}

function run(cmd: string, args: string[], progress: Progress): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
      for (const line of chunk.toString().split('\n')) if (line.trim()) progress(line.trim());
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0 ? done() : fail(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${tail}`)),
    );
  });
}

/** One setup at a time per cache dir (a unit test and the stack may both ask). */
async function withLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const lock = join(dir, 'setup.lock');
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      let alive: boolean;
      try {
        if (owner) process.kill(owner, 0);
        alive = owner > 0;
      } catch {
        alive = false;
      }
      if (!alive && Date.now() - started > 2000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() - started > 15 * 60_000)
        throw new Error(`waited too long for ${lock}`, { cause: error });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Makes (or finds) model.json and expected-scores.json; returns the model's path. */
export async function ensureToxicityModel(progress: Progress = () => {}): Promise<string> {
  const dir = toxicityModelDir();
  const probe = probeStrings();
  const digest = inputsDigest(probe);
  const stamp = join(dir, 'ready');
  const isReady = () =>
    existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === digest && existsSync(toxicityModelPath());
  if (isReady()) return toxicityModelPath();
  mkdirSync(dir, { recursive: true });
  return withLock(dir, async () => {
    if (isReady()) return toxicityModelPath();
    const python = process.env.SHOPCAST_PYTHON || 'python3';
    const venv = join(dir, 'venv');
    const venvPython = join(venv, 'bin', 'python');
    if (!existsSync(venvPython)) {
      progress(`Toxicity model: creating a Python venv in ${venv}…`);
      await run(python, ['-m', 'venv', venv], progress).catch((error: Error) => {
        throw new Error(
          `${error.message}\nThe toxicity classifier needs Python 3.11+ with venv (Debian: apt-get install python3-venv).`,
          { cause: error },
        );
      });
    }
    progress('Toxicity model: installing alt-profanity-check 1.9.1 and scikit-learn 1.9.1 from PyPI…');
    await run(
      venvPython,
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', '-r', REQUIREMENTS],
      (line) => {
        if (/^(Collecting|Successfully|Requirement already)/.test(line)) progress(`Toxicity model: ${line}`);
      },
    );
    progress('Toxicity model: exporting vocabulary, idf and the calibrated SVM folds to JSON…');
    const probeFile = join(dir, 'probe.txt');
    writeFileSync(probeFile, probe);
    await run(venvPython, [EXPORTER, probeFile, dir], (line) => progress(`Toxicity model: ${line}`));
    renameSync(join(dir, 'model.json.tmp'), toxicityModelPath());
    renameSync(join(dir, 'expected-scores.json.tmp'), expectedScoresPath());
    writeFileSync(stamp, digest);
    progress(`Toxicity model: ready at ${toxicityModelPath()}`);
    return toxicityModelPath();
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureToxicityModel((line) => console.error(line)).then(
    (path) => console.log(path),
    (error: unknown) => {
      console.error(`Toxicity model setup failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
