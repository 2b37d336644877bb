import { type Emulator, startEmulator } from '@cordwire/emulator';
import { afterEach, expect, it } from 'vitest';
import {
  type DeliveredEvent,
  type GatewayProcess,
  startGatewayProcess,
  startWorker,
  type Worker,
} from '../src/index.js';
import { until } from './helpers/shared.js';
import { startTestRedis, type TestRedis } from '../src/testing.js';

let server: TestRedis | undefined;
let emu: Emulator | undefined;
let gateway: GatewayProcess | undefined;
let worker: Worker | undefined;
afterEach(async () => {
  await worker?.stop();
  await gateway?.stop();
  await emu?.close();
  await server?.close();
});

it("a worker's command reaches the shard that owns the guild, and its effect comes back as an event", async () => {
  server = await startTestRedis();
  emu = await startEmulator({ shards: 2, identifyIntervalMs: 0 });
  const guildId = '1300000000000000100';
  const channelId = '1300000000000000102';
  gateway = await startGatewayProcess({
    redisUrl: server.url,
    token: emu.token,
    intents: 1 | 128,
    restUrl: emu.restUrl,
    identifySpacingMs: 10,
    leaseTtlMs: 1000,
    prefix: 'cmd',
  });
  const got: DeliveredEvent[] = [];
  worker = await startWorker({
    redisUrl: server.url,
    prefix: 'cmd',
    leaseTtlMs: 1000,
    handler: (e) => void got.push(e),
  });
  await until(() => got.filter((e) => e.t === 'READY').length === 2, 'both shards READY at the worker');
  // Op 4 (voice state update) for the guild: only the owning shard may send it.
  await worker.sendToGuild(guildId, 4, {
    guild_id: guildId,
    channel_id: channelId,
    self_mute: false,
    self_deaf: true,
  });
  await until(
    () =>
      got.some(
        (e) => e.t === 'VOICE_STATE_UPDATE' && (e.d as { channel_id?: string }).channel_id === channelId,
      ),
    'VOICE_STATE_UPDATE for the bot',
  );
  const vs = got.find((e) => e.t === 'VOICE_STATE_UPDATE')!;
  expect(vs.shardId).toBe(Number((BigInt(guildId) >> 22n) % 2n));
  expect((vs.d as { self_deaf?: boolean }).self_deaf).toBe(true);
});
