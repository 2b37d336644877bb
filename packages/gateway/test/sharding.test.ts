import type { Emulator } from '@cordwire/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardManager } from '../src/index.js';
import { emulator, fastTimers, waitFor } from './helpers.js';

/** A clock that moves only when the test says so; timers fire in deadline order. */
class ManualClock {
  time = 0;
  private timers: Array<{ at: number; fn: () => void }> = [];
  readonly now = (): number => this.time;
  readonly schedule = (fn: () => void, ms: number): (() => void) => {
    const entry = { at: this.time + ms, fn };
    this.timers.push(entry);
    return () => {
      this.timers = this.timers.filter((t) => t !== entry);
    };
  };
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
    }
    this.time = end;
  }
}

const SPACING_MS = 5000; // Discord's: on the manual clock it costs no real time

/**
 * Connects 16 shards and returns, for each identify-clock time, the shards our identify queue
 * let through at that time. The clock moves only when a round of shards is waiting in the queue,
 * so a queue that lets shards through early shows up as grants at an earlier clock time.
 */
async function grantRounds(
  extra: Partial<ConstructorParameters<typeof ShardManager>[0]> = {},
): Promise<number[][]> {
  const clock = new ManualClock();
  const m = new ShardManager({
    token: emu.token,
    intents: 1 | 512,
    restUrl: emu.restUrl,
    identifySpacingMs: SPACING_MS,
    identifyClock: { now: clock.now, schedule: clock.schedule },
    ...fastTimers,
    ...extra,
  });
  manager = m;
  const grantedAt = new Map<number, number>();
  const sample = () => {
    for (let id = 0; id < 16; id++) {
      const state = m.shard(id)?.state;
      if (!grantedAt.has(id) && (state === 'identifying' || state === 'ready')) grantedAt.set(id, clock.time);
    }
  };
  const waiting = () => [...Array(16).keys()].filter((id) => m.shard(id)?.state === 'waitingIdentify');
  const connected = m.connect();
  let released: number[] = [];
  while (grantedAt.size < 16) {
    // Settle: everything is through, or a full round (none of those the last clock move
    // released) waits in the queue for the clock.
    await waitFor(
      () => {
        sample();
        const w = waiting();
        return (
          grantedAt.size === 16 ||
          (w.length === Math.min(4, 16 - grantedAt.size) && w.every((id) => !released.includes(id)))
        );
      },
      10_000,
      'identify queue to settle',
    );
    if (grantedAt.size < 16) {
      released = waiting();
      clock.advance(SPACING_MS);
    }
  }
  await connected;
  m.destroy();
  const times = [...new Set(grantedAt.values())].sort((a, b) => a - b);
  return times.map((t) =>
    [...grantedAt]
      .filter(([, at]) => at === t)
      .map(([id]) => id)
      .sort((a, b) => a - b),
  );
}

let emu: Emulator;
let manager: ShardManager | undefined;
beforeAll(async () => {
  // identifyIntervalMs 0: the emulator accepts every IDENTIFY at once, so the only thing that
  // orders identifies is our client's queue.
  emu = await emulator({
    shards: 16,
    maxConcurrency: 4,
    identifyIntervalMs: 0,
    heartbeatIntervalMs: 30_000,
  });
});
afterAll(async () => {
  manager?.destroy();
  await emu.close();
});

describe('ShardManager', () => {
  it('16 shards with max_concurrency 4: our identify queue grants 4 buckets, in order', async () => {
    const rounds = await grantRounds();
    expect(rounds).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
      [12, 13, 14, 15],
    ]);
    expect(manager!.gatewayInfo?.session_start_limit.max_concurrency).toBe(4);
    // The emulator saw the identifies in the same rounds (it does not reorder them).
    const log = emu.control.identifyLog().slice(-16);
    expect(log.every((e) => e.shard[1] === 16)).toBe(true);
    const arrived = [0, 1, 2, 3].map((r) =>
      log
        .slice(r * 4, r * 4 + 4)
        .map((e) => e.shard[0])
        .sort((a, b) => a - b),
    );
    expect(arrived).toEqual(rounds);
    // Each shard gets the guilds routed to it: (guild_id >> 22) % 16.
    const guildId = '1100000000000000000';
    expect(manager!.shardIdForGuild(guildId)).toBe(Number((BigInt(guildId) >> 22n) % 16n));
  });

  it('negative control: a queue that lets every shard through at once fails the round check', async () => {
    const rounds = await grantRounds({ identifyQueue: { waitForIdentify: async () => {} } });
    expect(rounds).toHaveLength(1);
    expect(rounds).not.toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
      [12, 13, 14, 15],
    ]);
  });

  it('runs only its range of shards (one bot over several processes)', async () => {
    const part = new ShardManager({
      token: emu.token,
      intents: 1 | 512,
      restUrl: emu.restUrl,
      identifySpacingMs: 120,
      shardIds: { start: 4, end: 7 },
      ...fastTimers,
    });
    const ready: number[] = [];
    part.on('ready', (e) => ready.push(e.shardId));
    try {
      await part.connect();
      expect(ready.sort((a, b) => a - b)).toEqual([4, 5, 6, 7]);
      expect(part.shard(4)?.state).toBe('ready');
      expect(part.shard(3)).toBeUndefined();
    } finally {
      part.destroy();
    }
  });
});
