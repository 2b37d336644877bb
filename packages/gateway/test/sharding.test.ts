import type { Emulator } from '@cordwire/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardManager } from '../src/index.js';
import { emulator, fastTimers, waitFor } from './helpers.js';

let emu: Emulator;
let manager: ShardManager | undefined;
beforeAll(async () => {
  emu = await emulator({
    shards: 16,
    maxConcurrency: 4,
    identifyIntervalMs: 100,
    heartbeatIntervalMs: 30_000,
  });
});
afterAll(async () => {
  manager?.destroy();
  await emu.close();
});

describe('ShardManager', () => {
  it('16 shards with max_concurrency 4 identify in 4 buckets, in order', async () => {
    manager = new ShardManager({
      token: emu.token,
      intents: 1 | 512,
      restUrl: emu.restUrl,
      identifySpacingMs: 120,
      ...fastTimers,
    });
    const ready = new Set<number>();
    manager.on('ready', (e) => ready.add(e.shardId));
    await manager.connect();
    await waitFor(() => ready.size === 16, 10_000, 'all shards READY');
    expect(manager.shardCount).toBe(16);
    expect(manager.gatewayInfo?.session_start_limit.max_concurrency).toBe(4);
    const log = emu.control.identifyLog();
    expect(log).toHaveLength(16);
    expect(log.every((e) => e.shard[1] === 16)).toBe(true);
    // Round r holds exactly the shards 4r..4r+3 (one per rate-limit key), rounds in order.
    const rounds = [0, 1, 2, 3].map((r) =>
      log
        .slice(r * 4, r * 4 + 4)
        .map((e) => e.shard[0])
        .sort((a, b) => a - b),
    );
    expect(rounds).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
      [12, 13, 14, 15],
    ]);
    // Each shard gets the guilds routed to it: (guild_id >> 22) % 16.
    const guildId = '1100000000000000000';
    expect(manager.shardIdForGuild(guildId)).toBe(Number((BigInt(guildId) >> 22n) % 16n));
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
