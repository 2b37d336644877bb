/**
 * Worker-thread entry: many @cordwire/gateway shards against the emulator, on their own thread
 * so the emulator (main thread) is what gets measured. Messages:
 *   { type: 'connect', url, token, count } → { type: 'connected', ready, ms }
 *   { type: 'stats' } → { type: 'stats', ready, closes, heartbeats, latencies }
 *   { type: 'close' } → destroys every shard and ends the thread
 */
import { parentPort } from 'node:worker_threads';
import { Shard } from '@cordwire/gateway';

if (!parentPort) throw new Error('gatewayClients.ts must run as a worker thread');
const port = parentPort;

let shards: Shard[] = [];
let closes = 0;
let latencies: number[] = [];

function readyCount(): number {
  return shards.filter((s) => s.state === 'ready').length;
}

port.on(
  'message',
  async (message: { type: string; url?: string; token?: string; count?: number; timeoutMs?: number }) => {
    try {
      if (message.type === 'connect') {
        const started = performance.now();
        const count = message.count!;
        for (let i = 0; i < count; i++) {
          const shard = new Shard({
            token: message.token!,
            intents: 0,
            gatewayUrl: message.url!,
            encoding: 'json',
            transportCompression: 'zlib-stream',
            shardId: i,
            shardCount: count,
          });
          shard.on('closed', () => void closes++);
          shard.on('heartbeat', (e) => void latencies.push(e.latencyMs));
          shards.push(shard);
          void shard.connect();
        }
        const deadline = performance.now() + (message.timeoutMs ?? 60_000);
        while (readyCount() < count && performance.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
        port.postMessage({ type: 'connected', ready: readyCount(), ms: performance.now() - started });
      } else if (message.type === 'stats') {
        port.postMessage({
          type: 'stats',
          ready: readyCount(),
          closes,
          heartbeats: latencies.length,
          latencies,
        });
        latencies = [];
      } else if (message.type === 'reset') {
        for (const s of shards) s.destroy();
        shards = [];
        closes = 0;
        latencies = [];
        await new Promise((r) => setTimeout(r, 200));
        port.postMessage({ type: 'reset' });
      } else if (message.type === 'close') {
        for (const s of shards) s.destroy();
        shards = [];
        setTimeout(() => port.close(), 200);
      }
    } catch (e) {
      port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  },
);
