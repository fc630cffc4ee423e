// E2E needs the built renderer and viewer page, and the local test stack (a broker and
// an SFU that the tests may stop, kill and start again).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { FIXTURE_PATH, makeFaceFixture } from '../../scripts/make-face-fixture';
import { ensureDependencyPatches } from '../../scripts/patch-dependencies';
import { startLocalStack } from '../../scripts/stack';

export default async function globalSetup(): Promise<() => Promise<void>> {
  ensureDependencyPatches((line) => console.log(`[e2e] ${line}`));
  const build = spawnSync(
    'npx',
    ['vite', 'build', '--logLevel', 'warn', '--config', 'renderer/vite.config.ts'],
    {
      stdio: 'inherit',
    },
  );
  if (build.status !== 0) throw new Error('Building the renderer for e2e failed');
  const viewer = spawnSync(
    'npx',
    ['vite', 'build', '--logLevel', 'warn', '--config', 'server/viewer/vite.config.ts'],
    { stdio: 'inherit' },
  );
  if (viewer.status !== 0) throw new Error('Building the viewer page for e2e failed');
  // The try-on spec's fake camera shows a face (made from a portrait inside node_modules).
  if (!existsSync(FIXTURE_PATH)) await makeFaceFixture();
  const stack = await startLocalStack('test', (line) => console.log(`[e2e] ${line}`));
  return () => stack.stop();
}
