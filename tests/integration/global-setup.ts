// Starts the real local stack for integration tests (unless scripts/test.ts already
// did) and tells the tests where it is through environment variables.
import { ensureDependencyPatches } from '../../scripts/patch-dependencies';
import { startLocalStack, type LocalStack } from '../../scripts/stack';

let stack: LocalStack | null = null;

export async function setup(): Promise<void> {
  ensureDependencyPatches((line) => console.log(`[test stack] ${line}`));
  if (process.env.SHOPCAST_KAFKA_BROKERS && process.env.SHOPCAST_SFU_URL) return;
  stack = await startLocalStack('test', (line) => console.log(`[test stack] ${line}`));
  Object.assign(process.env, stack.env);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
}
