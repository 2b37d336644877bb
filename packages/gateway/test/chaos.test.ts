import type { Emulator } from '@cordwire/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Shard } from '../src/index.js';
import { emulator, once, shardFor, waitFor } from './helpers.js';

// A numbered stream at 600 events/s while 50 faults hit the connection. Within a session the
// client must deliver every number exactly once, in order; when a new session is forced it must
// say so with `eventsMayHaveBeenMissed`; nothing may reject unhandled.

type Fault =
  | 'drop'
  | 'op7'
  | 'op9-true'
  | 'op9-false'
  | 'close-4000'
  | 'close-4008'
  | 'close-1001'
  | 'missed-acks';
const FAULTS: Fault[] = [
  'drop',
  'op7',
  'op9-true',
  'close-4000',
  'op9-false',
  'close-4008',
  'missed-acks',
  'close-1001',
];

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

let emu: Emulator;
let shard: Shard;
beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  emu = await emulator({
    heartbeatIntervalMs: 300,
    // Heartbeats every 300 ms are 200 a minute; Discord's 120 would close us with 4008.
    sendLimit: { count: 1000, windowMs: 60_000 },
    heartbeatGraceMs: 5000,
    replayBufferSize: 20_000,
  });
});
afterAll(async () => {
  shard?.destroy();
  await emu.close();
  process.off('unhandledRejection', onUnhandled);
});

describe('chaos', () => {
  it('50 faults during a 600 events/s stream: no gap, no duplicate within a session', async () => {
    shard = shardFor(emu);
    const perSession = new Map<string, number[]>();
    let forced = 0;
    let zombies = 0;
    shard.on('dispatch', (e) => {
      if (e.t !== 'MESSAGE_CREATE') return;
      const id = shard.session!.sessionId;
      let list = perSession.get(id);
      if (!list) {
        list = [];
        perSession.set(id, list);
      }
      list.push((e.d as { n: number }).n);
    });
    shard.on('eventsMayHaveBeenMissed', () => forced++);
    let reconnects = 0;
    shard.on('reconnecting', () => reconnects++);
    shard.on('closed', (e) => {
      if (e.reason.startsWith('zombie')) zombies++;
    });
    const ready = once(shard, 'ready');
    await shard.connect();
    await ready;
    const stream = emu.control.startStream({ ratePerSecond: 600 });

    const counts = new Map<Fault, number>();
    for (let i = 0; i < 50; i++) {
      const fault = FAULTS[i % FAULTS.length]!;
      counts.set(fault, (counts.get(fault) ?? 0) + 1);
      await waitFor(() => shard.state === 'ready', 10_000, `ready before fault ${i}`);
      await new Promise((r) => setTimeout(r, 20 + ((i * 37) % 60)));
      const sessionId = shard.session!.sessionId;
      const before = reconnects;
      switch (fault) {
        case 'drop':
          emu.control.dropConnection(sessionId);
          break;
        case 'op7':
          emu.control.reconnect(sessionId);
          break;
        case 'op9-true':
          emu.control.invalidateSession(true, sessionId);
          break;
        case 'op9-false':
          emu.control.invalidateSession(false, sessionId);
          break;
        case 'close-4000':
          emu.control.closeConnection(4000, 'chaos', sessionId);
          break;
        case 'close-4008':
          emu.control.closeConnection(4008, 'chaos', sessionId);
          break;
        case 'close-1001':
          emu.control.closeConnection(1001, 'chaos', sessionId);
          break;
        case 'missed-acks': {
          const zombiesBefore = zombies;
          emu.control.setHeartbeatAck(false, sessionId);
          await waitFor(() => zombies > zombiesBefore, 10_000, 'zombie detection');
          emu.control.setHeartbeatAck(true);
          break;
        }
      }
      await waitFor(() => reconnects > before, 10_000, `fault ${i} (${fault}) seen`);
    }
    await waitFor(() => shard.state === 'ready', 10_000, 'ready after the faults');
    stream.stop();
    const sent = stream.sent();
    const last = shard.session!.sessionId;
    await waitFor(() => perSession.get(last)?.at(-1) === sent - 1, 10_000, 'the stream tail');

    for (const [, ns] of perSession) {
      for (let k = 1; k < ns.length; k++) {
        if (ns[k] !== ns[k - 1]! + 1)
          throw new Error(`gap or duplicate in a session: ${ns[k - 1]} -> ${ns[k]}`);
      }
    }
    // Every session after the first was forced, and each time the client said so.
    expect(forced).toBe(perSession.size - 1);
    expect(forced).toBeGreaterThanOrEqual(counts.get('op9-false')!);
    expect(zombies).toBeGreaterThanOrEqual(counts.get('missed-acks')!);
    expect(sent).toBeGreaterThan(500);
    expect(unhandled).toEqual([]);
  }, 120_000);
});
