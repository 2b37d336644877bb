/**
 * Suite 7: heap per idle connection. Connect N clients, wait until every one is READY and has
 * settled, collect garbage, and divide the heap growth by N. The servers live on another thread
 * (the gateway replay server) or another process, so only client memory is counted.
 */
import { performance } from 'node:perf_hooks';
import { WebSocketShardEvents } from '@discordjs/ws';
import { createAnchorManager } from '../anchors/discordjsWs.js';
import { startReplayServer } from '../gateway/replayHost.js';
import { collectGarbage, interleaveRecords, sleep, waitFor } from '../harness.js';
import { allocateMembers, loadVoiceServer, type StartVoiceServer } from '../ours/emulatorVoice.js';
import { createOurShard } from '../ours/gateway.js';
import { runVoiceClients } from '../voice/voiceHost.js';
import type { Row } from '../report.js';
import { notMeasuredRow, type Suite, type SuiteContext } from '../suite.js';

const SETTLE_MS = 500;
const CLOSE_WAIT_MS = 1200;

interface PerClient {
  /** V8 heap (heapUsed) growth per client, KiB */
  heap: number;
  /** growth of memory outside the heap held by JS objects (Buffers, ArrayBuffers), KiB */
  external: number;
}

/**
 * Memory per client: `open` connects `n` clients and resolves once all are ready. After closing,
 * the round waits out the close handshakes (cordwire terminates a silent peer after 1 s), so that
 * no socket of this round is freed inside the next round's window.
 */
async function perClient(n: number, open: () => Promise<() => Promise<void>>): Promise<PerClient> {
  collectGarbage();
  const before = process.memoryUsage();
  const close = await open();
  await sleep(SETTLE_MS);
  collectGarbage();
  const after = process.memoryUsage();
  await close();
  await sleep(CLOSE_WAIT_MS);
  collectGarbage();
  return {
    heap: (after.heapUsed - before.heapUsed) / n / 1024,
    external: (after.external - before.external) / n / 1024,
  };
}

async function gatewayRows(ctx: SuiteContext): Promise<Row[]> {
  // 50 shards in both modes: fewer put the per-shard number inside the GC noise (~±0.5 MB).
  const n = 50;
  const host = await startReplayServer();
  try {
    await host.prepare('json', 'zlib-stream');
    const url = `${host.url}/idle`;
    const ours = () =>
      perClient(n, async () => {
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
      perClient(n, async () => {
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
    const result = await interleaveRecords(
      async () => ({ ...(await ours()) }),
      async () => ({ ...(await anchor()) }),
      ctx.quick ? 3 : 5,
    );
    ctx.log(`memory: shards done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const base = {
      suite: 'memory',
      unit: 'KiB',
      better: 'lower' as const,
      anchorName: '@discordjs/ws 2.0.4 WebSocketManager',
    };
    return [
      {
        ...base,
        metric: `JS heap per idle shard (${n} shards, zlib-stream JSON, after READY)`,
        ours: result.heap.ours,
        anchor: result.heap.anchor,
        notes: 'ours: one @cordwire/gateway Shard each; heapUsed growth after GC / shards',
      },
      {
        ...base,
        metric: `external buffers per idle shard (${n} shards)`,
        ours: result.external.ours,
        anchor: result.external.anchor,
        notes:
          'Buffers/ArrayBuffers held outside the JS heap (socket and inflate buffers); growth after GC / shards',
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
  const server = await startVoiceServer({ e2ee: 'off' }); // rows without DAVE, comparable with earlier runs
  try {
    const side = (which: 'ours' | 'anchor') => async () => {
      const members = allocateMembers(server, n + 1, { sameUser: true, perChannel: 1 });
      const result = await runVoiceClients<PerClient>(
        { type: 'memory', side: which, members, caPem: server.caPem },
        'memory',
        { caPath: server.caPath, timeoutMs: 90_000 },
      );
      return { heap: result.heap, external: result.external };
    };
    ctx.log(`memory: ${n} idle voice connections per side`);
    const result = await interleaveRecords(side('ours'), side('anchor'), ctx.quick ? 1 : 3);
    const base = {
      suite: 'memory',
      unit: 'KiB',
      better: 'lower' as const,
      anchorName: '@discordjs/voice 0.19.2',
    };
    return [
      {
        ...base,
        metric: `JS heap per idle voice connection (${n} connections, AES-GCM, no DAVE, after READY)`,
        ours: result.heap.ours,
        anchor: result.heap.anchor,
        notes:
          'ours: @cordwire/voice-ws joinVoiceChannel; both against the @cordwire/emulator voice server (wss + UDP), each library in its own process; heapUsed growth after GC / connections',
      },
      {
        ...base,
        metric: `external buffers per idle voice connection (${n} connections)`,
        ours: result.external.ours,
        anchor: result.external.anchor,
        notes: 'Buffers/ArrayBuffers outside the JS heap; growth after GC / connections',
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
