import { defaultKafkaOptions, startLocalKafka, stopLocalKafka } from '../../scripts/kafka';
import { expect, test } from './fixtures';

test('the studio loads, navigates between views, and shows Kafka and the SFU connected', async ({
  page,
  studio,
  stack,
}) => {
  await page.goto(studio.web.url);
  await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();
  // The token leaves the address bar once read.
  await expect(page).not.toHaveURL(/token=/);

  for (const [label, id, text] of [
    ['Dashboard', 'dashboard', /No show is running/],
    ['Moderation', 'moderation', /No chat to moderate yet/],
    ['Replays', 'replays', /Sort by/],
    ['Studio', 'studio', /Camera/],
  ] as const) {
    await page.getByRole('button', { name: label, exact: true }).click();
    await expect(page.getByTestId(`view-${id}`)).toContainText(text);
    await expect(page.getByRole('button', { name: label, exact: true })).toHaveAttribute(
      'aria-current',
      'page',
    );
  }

  await page.keyboard.press('Alt+2');
  await expect(page.getByTestId('view-dashboard')).toBeVisible();

  await expect(page.getByTestId('status-kafka')).toHaveAttribute('data-state', 'connected');
  await expect(page.getByTestId('status-kafka')).toContainText(stack.kafkaBrokers[0]!);
  await expect(page.getByTestId('status-sfu')).toHaveAttribute('data-state', 'connected');
});

test('the status bar follows the broker going down and coming back', async ({ page, studio }) => {
  await page.goto(studio.web.url);
  const kafka = page.getByTestId('status-kafka');
  await expect(kafka).toHaveAttribute('data-state', 'connected');

  await stopLocalKafka('test');
  await expect(kafka).toHaveAttribute('data-state', 'disconnected', { timeout: 8_000 });
  await expect(page.getByTestId('status-kafka-reason')).toContainText(
    /refused the connection|unreachable|did not answer/,
  );

  await startLocalKafka(defaultKafkaOptions('test'));
  await expect(kafka).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  await expect(page.getByTestId('status-kafka-reason')).toHaveCount(0);
});

test('a reload keeps working without the token in the URL', async ({ page, studio }) => {
  await page.goto(studio.web.url);
  await expect(page.getByTestId('status-kafka')).toHaveAttribute('data-state', 'connected');
  await page.reload();
  await expect(page.getByTestId('status-kafka')).toHaveAttribute('data-state', 'connected');
});

test('a page without the token cannot reach the studio services', async ({ page, studio }) => {
  await page.goto(studio.web.origin);
  await expect(page.getByTestId('status-link')).toContainText(/Lost the studio services|Connecting/);
  await expect(page.getByTestId('status-kafka')).toHaveCount(0);
});
