import type { EventEmitter } from 'node:events';
import { type Emulator, type EmulatorOptions, startEmulator } from '@cordwire/emulator';
import { InMemoryIdentifyQueue, Shard, type ShardEvents, type ShardOptions } from '../src/index.js';

export const fastTimers = {
  timeouts: { handshakeMs: 2000, helloMs: 2000, readyMs: 3000 },
  invalidSessionDelayMs: [5, 30] as const,
  backoff: { firstMs: 20, baseMs: 20, maxMs: 200 },
  minHeartbeatIntervalMs: 100,
};

export async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ heartbeatIntervalMs: 1000, identifyIntervalMs: 10, ...options });
}

export function shardFor(emu: Emulator, options: Partial<ShardOptions> = {}): Shard {
  return new Shard({
    token: emu.token,
    intents: 1 | 512 | 4096 | 32768,
    gatewayUrl: emu.gatewayUrl,
    identifyQueue: new InMemoryIdentifyQueue({ spacingMs: 20 }),
    ...fastTimers,
    ...options,
  });
}

/** Resolves with the first event of that name satisfying `pred`. */
export function once<K extends keyof ShardEvents>(
  shard: EventEmitter<ShardEvents>,
  name: K,
  pred: (...args: ShardEvents[K]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<ShardEvents[K][0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      shard.off(name, listener as never);
      reject(new Error(`timed out waiting for ${String(name)}`));
    }, timeoutMs);
    const listener = (...args: ShardEvents[K]) => {
      if (!pred(...args)) return;
      clearTimeout(timer);
      shard.off(name, listener as never);
      resolve(args[0]);
    };
    shard.on(name, listener as never);
  });
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
