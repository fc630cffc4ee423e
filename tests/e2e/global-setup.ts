// E2E needs the built renderer and a local test broker it may stop and start.
import { spawnSync } from 'node:child_process';
import { defaultKafkaOptions, startLocalKafka } from '../../scripts/kafka';

export default async function globalSetup(): Promise<void> {
  const build = spawnSync(
    'npx',
    ['vite', 'build', '--logLevel', 'warn', '--config', 'renderer/vite.config.ts'],
    {
      stdio: 'inherit',
    },
  );
  if (build.status !== 0) throw new Error('Building the renderer for e2e failed');
  await startLocalKafka(defaultKafkaOptions('test'), (line) => console.log(`[e2e] Kafka: ${line}`));
}
