/**
 * The Redis connection every part of this package shares: a node-redis client (the `redis`
 * package) with a reconnect strategy that backs off, and the few raw commands we send.
 *
 * Raw commands (`sendCommand`) rather than node-redis's per-command helpers keep each call
 * byte-for-byte what the Redis docs show, which is what a reviewer checks stream semantics against.
 */
import { createClient } from 'redis';

function makeClient(url: string, reconnectStrategy: (retries: number, cause?: Error) => number) {
  return createClient({ url, socket: { reconnectStrategy } });
}

export type RedisClient = ReturnType<typeof makeClient>;

export interface RedisConnectOptions {
  /** `redis://host:port`; the password, if any, never appears in our errors or logs. */
  readonly url: string;
  /** First reconnect delay; doubles up to maxDelayMs, with jitter. Default 50. */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Called with each connection error and reconnect delay (for logs and metrics). */
  readonly onReconnect?: (attempt: number, delayMs: number, error: Error | undefined) => void;
}

/** Backoff for reconnects: 50, 100, 200 ... up to 5 s, each with up to 20 % jitter. */
export function reconnectDelay(attempt: number, firstMs = 50, maxMs = 5000, random = Math.random): number {
  const base = Math.min(maxMs, firstMs * 2 ** Math.min(attempt, 20));
  return Math.round(base * (0.8 + 0.2 * random()));
}

/**
 * Connects and resolves once ready. The client reconnects by itself forever with backoff; it
 * never throws out of its event emitter (an unhandled 'error' would end the process).
 */
export async function connectRedis(options: RedisConnectOptions): Promise<RedisClient> {
  let lastError: Error | undefined;
  const client = makeClient(options.url, (retries, cause) => {
    const delay = reconnectDelay(retries, options.firstDelayMs, options.maxDelayMs);
    options.onReconnect?.(retries, delay, cause ?? lastError);
    return delay;
  });
  client.on('error', (e: Error) => {
    lastError = e;
  });
  await client.connect();
  return client;
}

/** Runs a raw command; replies come back as strings, numbers, arrays, maps (RESP3) or null. */
export async function command(client: RedisClient, args: Array<string | number>): Promise<unknown> {
  return client.sendCommand(args.map(String));
}

/** EVAL with keys and arguments. */
export async function evalScript(
  client: RedisClient,
  script: string,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  return command(client, ['EVAL', script, keys.length, ...keys, ...args]);
}
