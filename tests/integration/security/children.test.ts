// "A process that dies takes its children with it" (issue 12, finding 1): the studio killed
// outright stops its simulated shoppers; `npm start` killed outright stops the Kafka broker
// and SFU it started; and one that was left running is taken over, so Ctrl-C stops it again.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaDataDir } from '../../../scripts/kafka';
import { stopService } from '../../../scripts/service-process';
import { until } from '../../support/until';
import {
  childPids,
  isRunning,
  repoRoot,
  startStudioProcess,
  studioCall,
  testRtcPorts,
  type StudioProcess,
} from './processes';

const STACK = 'security-children';
// The data folder of the Kafka version under test (4.x ones carry the version in the name).
const kafkaDir = kafkaDataDir(STACK);
const sfuDir = join(repoRoot, '.stack', `sfu-${STACK}`);
const pidOf = (dir: string) => Number(readFileSync(join(dir, 'service.pid'), 'utf8'));
const gone = (pid: number, what: string) => until(what, () => !isRunning(pid), 45_000, 200);

// Every studio started here, stopped at the end even when a test failed half-way.
const studios: StudioProcess[] = [];

/** npm start with a stack of its own, on ports beside the test stack's. */
async function startWithOwnStack(): Promise<StudioProcess> {
  const [rtcMin, rtcMax] = testRtcPorts();
  const studio = await startStudioProcess(
    {
      SHOPCAST_STACK_NAME: STACK,
      SHOPCAST_KAFKA_PORT: String(Number(process.env.SHOPCAST_KAFKA_PORT ?? 29092) + 50),
      SHOPCAST_SFU_PORT: String(Number(process.env.SHOPCAST_SFU_PORT ?? 24443) + 50),
      SHOPCAST_SFU_RTC_PORTS: `${rtcMin}-${rtcMax}`,
    },
    { ownStack: true },
  );
  studios.push(studio);
  return studio;
}

afterAll(async () => {
  await Promise.all(studios.map((studio) => studio.stop()));
  await stopService(sfuDir);
  await stopService(kafkaDir);
  rmSync(kafkaDir, { recursive: true, force: true });
  rmSync(sfuDir, { recursive: true, force: true });
});

describe('children of a process that dies', () => {
  it('the simulated shoppers stop when the studio is killed', { timeout: 120_000 }, async () => {
    const studio = await startStudioProcess();
    studios.push(studio);
    const started = await studioCall(studio, 'startRehearsal', { title: 'Children', rate: 5, seed: 1 });
    expect(started).toMatchObject({ ok: true });
    const [simulator] = await until('the simulator process', () => {
      const pids = childPids(studio.child.pid!, 'audience/main.ts');
      return pids.length > 0 ? pids : null;
    });
    studio.child.kill('SIGKILL');
    await gone(simulator!, 'the simulator to stop');
  });

  // Three starts of npm start with its own stack, two of them starting Kafka: minutes on a busy CI.
  it(
    "npm start's Kafka and SFU stop when it is killed, and one left behind is taken over",
    { timeout: 240_000 },
    async () => {
      // Killed outright: its guard stops what it started.
      let studio = await startWithOwnStack();
      let kafka = pidOf(kafkaDir);
      let sfu = pidOf(sfuDir);
      studio.child.kill('SIGKILL');
      await gone(sfu, 'the SFU to stop');
      await gone(kafka, 'Kafka to stop');

      // Killed with its guard (as a power cut would): the next start takes them over…
      studio = await startWithOwnStack();
      [kafka, sfu] = [pidOf(kafkaDir), pidOf(sfuDir)];
      for (const guard of childPids(studio.child.pid!, 'service-guard')) process.kill(guard, 'SIGKILL');
      studio.child.kill('SIGKILL');
      await until('the studio to be gone', () => !isRunning(studio.child.pid!));
      expect(isRunning(kafka) && isRunning(sfu)).toBe(true);
      studio = await startWithOwnStack();
      expect(studio.output()).toContain('taking over');
      expect([pidOf(kafkaDir), pidOf(sfuDir)]).toEqual([kafka, sfu]);
      // …so Ctrl-C stops them again.
      studio.child.kill('SIGINT');
      await gone(sfu, 'the SFU to stop on Ctrl-C');
      await gone(kafka, 'Kafka to stop on Ctrl-C');
    },
  );
});
