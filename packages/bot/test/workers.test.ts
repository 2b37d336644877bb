import { type Emulator, startEmulator } from '@cordwire/emulator';
import { afterEach, expect, it } from 'vitest';
import { type Client, createClient } from '../src/index.js';

// The gateway's worker entry, run from TypeScript source the way its own tests do.
const workerUrl = new URL('../../gateway/test/fixtures/tsShardWorker.mjs', import.meta.url);

let emu: Emulator | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.destroy();
  await emu?.close();
});

it('runs its shards on worker threads: two shards, the cache and typed events as in-process', async () => {
  emu = await startEmulator({ shards: 2, identifyIntervalMs: 0 });
  client = createClient({
    token: emu.token,
    apiUrl: emu.restUrl,
    intents: ['GUILDS', 'GUILD_MESSAGES', 'MESSAGE_CONTENT'],
    shards: { workers: { workerUrl } },
    handleSignals: false,
  });
  const readyShards = new Set<number>();
  client.on('shardReady', (id) => readyShards.add(id));
  await client.login();
  expect([...readyShards].sort()).toEqual([0, 1]);
  expect(client.shards?.shardCount).toBe(2);
  expect(client.cache.guild('1300000000000000100')?.name).toBe('cordwire test guild');
  const got = new Promise<[string, number]>((resolve) =>
    client?.on('messageCreate', (m, shardId) => resolve([m.content, shardId])),
  );
  emu.control.dispatch('MESSAGE_CREATE', {
    id: '1300000000000009001',
    channel_id: '1300000000000000101',
    guild_id: '1300000000000000100',
    content: 'from a worker',
    author: { id: '1300000000000000010', username: 'alice' },
  });
  // The guild's shard: (guild_id >> 22) % 2.
  expect(await got).toEqual(['from a worker', Number((BigInt('1300000000000000100') >> 22n) % 2n)]);
});
