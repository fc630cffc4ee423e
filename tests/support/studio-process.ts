// A browser-mode studio in a process of its own, so a test can kill it with SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StudioProcess {
  url: string;
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startStudioProcess(env: Record<string, string>): Promise<StudioProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'tests', 'support', 'run-studio.ts')],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    child.stdout!.on('data', (data: Buffer) => {
      out += data.toString();
      const match = /^STUDIO_URL=(\S+)$/m.exec(out);
      if (match) resolveUrl(match[1]!);
    });
    child.once('exit', (code) =>
      reject(new Error(`the studio process exited (${code}) before it was ready`)),
    );
  });
  return {
    url,
    child,
    kill: (signal = 'SIGTERM') =>
      new Promise((resolveKill) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveKill();
        child.once('exit', () => resolveKill());
        child.kill(signal);
      }),
  };
}
