// Each test file gets a real browser-mode studio (services host + web server) wired
// to the local test broker.
import { test as base } from '@playwright/test';
import { loadConfig } from '../../main/services/config';
import { defaultKafkaOptions } from '../../scripts/kafka';

/** E2E always uses the local test broker, which the tests may stop and start. */
export const testBrokers = `127.0.0.1:${defaultKafkaOptions('test').port}`;
import { startBrowserMode, type BrowserMode } from '../../main/web/browser-mode';

export const test = base.extend<object, { studio: BrowserMode }>({
  studio: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads fixture dependencies from this pattern
    async ({}, use) => {
      const studio = await startBrowserMode(
        loadConfig({ ...process.env, SHOPCAST_KAFKA_BROKERS: testBrokers }),
      );
      await use(studio);
      await studio.stop();
    },
    { scope: 'worker' },
  ],
});

export { expect } from '@playwright/test';
