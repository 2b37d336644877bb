/** What several test files share: one redis-server per file with tracked clients, and a poll. */
import { afterAll, beforeAll } from 'vitest';
import { connectRedis, type RedisClient } from '../../src/index.js';
import { startTestRedis, type TestRedis } from '../../src/testing.js';

/** Starts a redis-server for this file; `client()` connects, and everything closes after the file. */
export function redisForFile(): {
  server: () => TestRedis;
  client: () => Promise<RedisClient>;
  clients: RedisClient[];
} {
  let server: TestRedis | undefined;
  const clients: RedisClient[] = [];
  beforeAll(async () => {
    server = await startTestRedis();
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await server?.close();
  });
  return {
    server: () => server as TestRedis,
    clients,
    async client() {
      const c = await connectRedis({ url: (server as TestRedis).url });
      clients.push(c);
      return c;
    },
  };
}

/** Polls `cond` every 10 ms; fails with `what` after `ms`. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
