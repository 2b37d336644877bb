import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchGatewayBot, GatewayError } from '../src/index.js';

// GET /gateway/bot answered by a hostile server on loopback: every value the manager will act on
// (the URL it connects to, the shard count it allocates, max_concurrency it divides by) is checked
// when the answer arrives, and a bad one is a typed GATEWAY_FETCH_FAILED.

let body = '';
let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v10`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const good = {
  url: 'wss://gateway.test',
  shards: 2,
  session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
};

describe('fetchGatewayBot', () => {
  it('returns a well-formed answer', async () => {
    body = JSON.stringify(good);
    await expect(fetchGatewayBot(base, 'token')).resolves.toEqual(good);
  });

  it.each([
    ['a url that is not ws(s)', { ...good, url: 'https://x.test' }],
    ['a url that is not a URL', { ...good, url: 'not a url' }],
    ['zero shards', { ...good, shards: 0 }],
    ['a billion shards', { ...good, shards: 1e9 }],
    ['fractional shards', { ...good, shards: 1.5 }],
    [
      'max_concurrency 0',
      { ...good, session_start_limit: { ...good.session_start_limit, max_concurrency: 0 } },
    ],
    [
      'max_concurrency NaN-ish',
      { ...good, session_start_limit: { ...good.session_start_limit, max_concurrency: 'x' } },
    ],
    ['negative remaining', { ...good, session_start_limit: { ...good.session_start_limit, remaining: -1 } }],
    ['no session_start_limit', { url: good.url, shards: 1 }],
  ])('refuses %s with a typed error', async (_name, answer) => {
    body = JSON.stringify(answer);
    const error = await fetchGatewayBot(base, 'token').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('GATEWAY_FETCH_FAILED');
  });

  it('refuses a body that is not JSON with a typed error', async () => {
    body = '<html>';
    const error = await fetchGatewayBot(base, 'token').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('GATEWAY_FETCH_FAILED');
  });
});
