/**
 * Suite 6: what one @cordwire/emulator process holds. Report only, no target yet.
 * Gateway: N cordwire shards (on a worker thread) connect and identify, then must all stay READY
 * through several heartbeat intervals with no close; the emulator runs on the main thread. The
 * step up stops at the first N that is not held. Heartbeats every 2 s (not Discord's 41.25 s) so
 * that a few seconds see many heartbeats: 1,000 shards at 2 s is the heartbeat load of ~20,000
 * shards at Discord's interval.
 */
import { startEmulator } from '@cordwire/emulator';
import { percentile, sleep, spread } from '../harness.js';
import type { Row } from '../report.js';
import type { Suite, SuiteContext } from '../suite.js';
import { startWorker } from '../worker.js';

const HEARTBEAT_MS = 2000;

async function gatewayCapacity(ctx: SuiteContext): Promise<Row[]> {
  const steps = ctx.quick ? [50] : [100, 250, 500, 1000, 2000];
  const holdMs = ctx.quick ? 2 * HEARTBEAT_MS : 4 * HEARTBEAT_MS;
  const emulator = await startEmulator({
    heartbeatIntervalMs: HEARTBEAT_MS,
    maxConcurrency: 16,
    identifyIntervalMs: 0,
    sessionStartLimit: 1_000_000,
    shards: 1,
  });
  const clients = startWorker(new URL('../emulator/gatewayClients.ts', import.meta.url));
  let held = 0;
  let heldLatencyP99 = Number.NaN;
  let connectMs = Number.NaN;
  const notes: string[] = [];
  try {
    for (const count of steps) {
      ctx.log(`emulator: ${count} gateway connections`);
      const connected = await clients.request<{ ready: number; ms: number }>(
        { type: 'connect', url: emulator.gatewayUrl, token: emulator.token, count, timeoutMs: 60_000 },
        'connected',
      );
      if (connected.ready < count) {
        notes.push(`${count}: only ${connected.ready} reached READY in 60 s`);
        break;
      }
      await clients.request({ type: 'stats' }, 'stats'); // drop heartbeats from the connect phase
      await sleep(holdMs);
      const stats = await clients.request<{
        ready: number;
        closes: number;
        heartbeats: number;
        latencies: number[];
      }>({ type: 'stats' }, 'stats');
      const p99 = percentile(stats.latencies, 99);
      notes.push(
        `${count}: ${stats.ready} ready, ${stats.closes} closes, heartbeat ACK p99 ${p99.toFixed(1)} ms`,
      );
      await clients.request({ type: 'reset' }, 'reset');
      if (stats.ready < count || stats.closes > 0 || stats.heartbeats === 0) break;
      held = count;
      heldLatencyP99 = p99;
      connectMs = connected.ms;
    }
  } finally {
    await clients.close();
    await emulator.close();
  }
  const base = { suite: 'emulator', better: 'higher' as const };
  return [
    {
      ...base,
      metric: `gateway connections held (heartbeat every ${HEARTBEAT_MS / 1000} s, ${holdMs / 1000} s hold)`,
      unit: 'connections',
      ours: spread([held]),
      notes: `largest step held of ${steps.join('/')}; ${notes.join('; ')}`,
    },
    {
      ...base,
      better: 'lower',
      metric: `heartbeat ACK p99 at ${held} connections`,
      unit: 'ms',
      ours: spread([heldLatencyP99]),
      notes: `all ${held} shards identified and READY in ${connectMs.toFixed(0)} ms`,
    },
  ];
}

export const emulatorCapacitySuite: Suite = {
  name: 'emulator',
  async run(ctx) {
    return [...(await gatewayCapacity(ctx))];
  },
};
