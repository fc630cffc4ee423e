// The dashboard against the real broker: a rehearsal started from the UI shows exactly the
// figures an independent Kafka consumer computes from the show's events (from the metric
// definitions in docs/events.md, not with the studio's aggregator), and the "no show" and
// "Kafka unreachable" states are clear.
import type { Page } from '@playwright/test';
import type { ShowState } from '../../protocol/show';
import { defaultKafkaOptions, startLocalKafka, stopLocalKafka } from '../../scripts/kafka';
import { expect, test } from './fixtures';
import { expectedTiles, readShowEvents } from '../support/show-figures';

async function shownTiles(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll<HTMLElement>('[data-testid="dashboard"] [data-testid^="kpi-"]')].map(
        (el) => [el.dataset.testid!.slice('kpi-'.length), Number(el.dataset.value)],
      ),
    ),
  );
}

test('with no show running the dashboard says so and offers a rehearsal', async ({ page, studio }) => {
  await page.goto(studio.web.url);
  await page.getByRole('button', { name: 'Dashboard', exact: true }).click();
  await expect(page.getByTestId('view-dashboard')).toContainText('No show is running');
  await expect(page.getByRole('button', { name: 'Start rehearsal' })).toBeEnabled();
  await expect(page.getByTestId('rehearsal-badge')).toHaveCount(0);
});

test('a rehearsal started from the UI shows exactly what an independent consumer computes', async ({
  page,
  studio,
  stack,
}) => {
  test.setTimeout(180_000);
  await page.goto(studio.web.url);
  await page.getByRole('button', { name: 'Dashboard', exact: true }).click();
  await page.getByLabel('Simulated shopper events per second').fill('300');
  await page.getByRole('button', { name: 'Start rehearsal' }).click();

  const dashboard = page.getByTestId('dashboard');
  await expect(dashboard.getByTestId('rehearsal-badge')).toHaveText('REHEARSAL — simulated shoppers');
  await expect(page.locator('.status-bar').getByTestId('rehearsal-badge')).toBeVisible();
  await expect(page.getByTestId('rehearsal-rate')).toContainText('simulated events/s', { timeout: 20_000 });
  // Let the simulated shoppers buy something.
  await expect
    .poll(async () => Number(await page.getByTestId('kpi-orders').getAttribute('data-value')), {
      timeout: 60_000,
    })
    .toBeGreaterThan(3);
  await expect(page.getByTestId('chat-feed').locator('li').first()).toBeVisible();
  await page.getByRole('button', { name: 'Stop simulated shoppers' }).click();
  await expect(page.getByRole('button', { name: 'Stop simulated shoppers' })).toHaveCount(0, {
    timeout: 20_000,
  });

  const show = (await studio.services.host.call('getShow', {})) as { ok: true; response: ShowState };
  const events = await readShowEvents(
    stack.kafkaBrokers,
    show.response.showId,
    show.response.startedAt - 60_000,
  );
  const expected = expectedTiles(events);
  expect(expected.orders).toBeGreaterThan(3);
  await expect.poll(() => shownTiles(page), { timeout: 30_000 }).toEqual(expected);
  // The Studio view carries the same key numbers and the rehearsal label.
  await page.getByRole('button', { name: 'Studio', exact: true }).click();
  await expect(page.getByTestId('key-numbers').getByTestId('kpi-orders')).toHaveAttribute(
    'data-value',
    String(expected.orders),
  );
  await expect(page.getByTestId('key-numbers').getByTestId('rehearsal-badge')).toBeVisible();

  await page.getByRole('button', { name: 'Dashboard', exact: true }).click();
  await page.getByRole('button', { name: 'End rehearsal' }).click();
  await expect(page.getByTestId('view-dashboard')).toContainText('No show is running');
});

test('the dashboard says when Kafka is unreachable, and recovers', async ({ page, studio }) => {
  test.setTimeout(120_000);
  await page.goto(studio.web.url);
  await page.getByRole('button', { name: 'Dashboard', exact: true }).click();
  await expect(page.getByTestId('status-kafka')).toHaveAttribute('data-state', 'connected');
  await stopLocalKafka('test');
  try {
    await expect(page.getByTestId('dashboard-kafka-unreachable')).toContainText('Kafka unreachable', {
      timeout: 10_000,
    });
  } finally {
    await startLocalKafka(defaultKafkaOptions('test'));
  }
  await expect(page.getByTestId('dashboard-kafka-unreachable')).toHaveCount(0, { timeout: 20_000 });
});
