/**
 * Suite 7: heap per idle connection. Connect N clients, wait until every one is READY and has
 * settled, collect garbage, and divide the heap growth by N. The servers live on another thread
 * (the gateway replay server) or another process, so only client memory is counted.
 */
import { performance } from 'node:perf_hooks';
import { WebSocketShardEvents } from '@discordjs/ws';
import { createAnchorManager } from '../anchors/discordjsWs.js';
import { startReplayServer } from '../gateway/replayHost.js';
import { collectGarbage, interleave, sleep, waitFor } from '../harness.js';
import { allocateMembers, loadVoiceServer, type StartVoiceServer } from '../ours/emulatorVoice.js';
import { createOurShard } from '../ours/gateway.js';
import { runVoiceClients } from '../voice/voiceHost.js';
import type { Row } from '../report.js';
import { notMeasuredRow, type Suite, type SuiteContext } from '../suite.js';

const SETTLE_MS = 500;

/** Heap bytes per client: `open` connects `n` clients and resolves once all are ready. */
async function heapPerClient(n: number, open: () => Promise<() => Promise<void>>): Promise<number> {
  // heapUsed + external: a connection's buffers (zlib window, socket chunks) live outside the JS heap.
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  collectGarbage();
  const before = used();
  const close = await open();
  await sleep(SETTLE_MS);
  collectGarbage();
  const after = used();
  await close();
  await sleep(50);
  return (after - before) / n / 1024;
}

async function gatewayRows(ctx: SuiteContext): Promise<Row[]> {
  const n = ctx.quick ? 10 : 50;
  const host = await startReplayServer();
  try {
    await host.prepare('json', 'zlib-stream');
    const url = `${host.url}/idle`;
    const ours = () =>
      heapPerClient(n, async () => {
        let ready = 0;
        const shards = Array.from({ length: n }, (_, shardId) => {
          const shard = createOurShard({
            url,
            encoding: 'json',
            compress: 'zlib-stream',
            shardId,
            shardCount: n,
          });
          shard.on('ready', () => void ready++);
          return shard;
        });
        await Promise.all(shards.map((s) => s.connect()));
        await waitFor(() => ready === n, 30_000, `${n} cordwire shards READY`);
        return async () => {
          for (const s of shards) s.destroy();
        };
      });
    const anchor = () =>
      heapPerClient(n, async () => {
        let ready = 0;
        const manager = createAnchorManager({ url, shardCount: n });
        manager.on(WebSocketShardEvents.Ready, () => void ready++);
        await manager.connect();
        await waitFor(() => ready === n, 30_000, `${n} @discordjs/ws shards READY`);
        return async () => {
          await manager.destroy();
        };
      });
    ctx.log(`memory: ${n} idle shards per side`);
    const started = performance.now();
    const result = await interleave(ours, anchor, ctx.quick ? 2 : 3);
    ctx.log(`memory: shards done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return [
      {
        suite: 'memory',
        metric: `heap per idle shard (${n} shards, zlib-stream JSON, after READY)`,
        unit: 'KiB',
        better: 'lower',
        ours: result.ours,
        anchor: result.anchor,
        anchorName: '@discordjs/ws 2.0.4 WebSocketManager',
        notes:
          'ours: one @cordwire/gateway Shard each; growth of heapUsed + external after GC, divided by shards',
      },
    ];
  } finally {
    await host.close();
  }
}

/**
 * Idle voice connections: one bot user in N guilds' voice channels of the emulator's voice server
 * (TLS, as Discord), each library in its own child process; the first connection warms the
 * library up and is not counted.
 */
export async function voiceMemoryRows(ctx: SuiteContext, startVoiceServer: StartVoiceServer): Promise<Row[]> {
  const n = ctx.quick ? 5 : 20;
  const server = await startVoiceServer({});
  try {
    const side = (which: 'ours' | 'anchor') => async () => {
      const members = allocateMembers(server, n + 1, { sameUser: true, perChannel: 1 });
      const result = await runVoiceClients<{ kib: number }>(
        { type: 'memory', side: which, members, caPem: server.caPem },
        'memory',
        { caPath: server.caPath, timeoutMs: 90_000 },
      );
      return result.kib;
    };
    ctx.log(`memory: ${n} idle voice connections per side`);
    const result = await interleave(side('ours'), side('anchor'), ctx.quick ? 1 : 3);
    return [
      {
        suite: 'memory',
        metric: `heap per idle voice connection (${n} connections, AES-GCM, no DAVE, after READY)`,
        unit: 'KiB',
        better: 'lower',
        ours: result.ours,
        anchor: result.anchor,
        anchorName: '@discordjs/voice 0.19.2',
        notes:
          'ours: @cordwire/voice-ws joinVoiceChannel; against @cordwire/emulator voice server over wss + UDP; heapUsed + external after GC',
      },
    ];
  } finally {
    await server.close();
  }
}

export const memorySuite: Suite = {
  name: 'memory',
  async run(ctx) {
    if (!collectGarbage())
      return [
        notMeasuredRow(
          'memory',
          'heap per idle shard / voice connection',
          'node was started without --expose-gc',
        ),
      ];
    const rows = await gatewayRows(ctx);
    const startVoiceServer = await loadVoiceServer();
    if (typeof startVoiceServer === 'string') {
      rows.push(notMeasuredRow('memory', 'heap per idle voice connection', startVoiceServer));
    } else {
      rows.push(...(await voiceMemoryRows(ctx, startVoiceServer)));
    }
    return rows;
  },
};
