// Each test file gets a real browser-mode studio (services host + web server) wired
// to the local test stack, which global-setup.ts has started.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base } from '@playwright/test';
import { loadConfig } from '../../main/studio/config';
import { startBrowserMode, type BrowserMode } from '../../main/web/browser-mode';
import { startLocalStack, type LocalStack } from '../../scripts/stack';

export const test = base.extend<object, { stack: LocalStack; studio: BrowserMode }>({
  stack: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads fixture dependencies from this pattern
    async ({}, use) => {
      // Finds the running test stack (or starts it when a spec runs on its own).
      const stack = await startLocalStack('test', () => {});
      await use(stack);
      await stack.stop();
    },
    { scope: 'worker' },
  ],
  studio: [
    async ({ stack }, use) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'shopcast-e2e-'));
      const studio = await startBrowserMode(
        loadConfig({ ...process.env, ...stack.env, SHOPCAST_DATA_DIR: dataDir }),
      );
      await use(studio);
      await studio.stop();
    },
    { scope: 'worker' },
  ],
});

export { expect } from '@playwright/test';
