import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { GatewayReconnectLimitError, InMemoryIdentifyQueue, Shard } from '../src/index.js';
import { fastTimers, once, waitFor } from './helpers.js';

// A hand-written hostile gateway on loopback: each connection runs `script`, which answers what
// the shard sends. Over real sockets and real timers, a bad value must give a typed error and a
// clean recovery, never an exception out of a timer (vitest fails a run on one).

/** `self` is the server's own URL (what a READY hands out as resume_gateway_url). */
type Script = (ws: WebSocket, connection: number, message: { op: number; d?: unknown }, self: string) => void;

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

async function hostileGateway(script: Script): Promise<{ url: string; connections: () => number }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  cleanup.push(() => wss.close());
  let connections = 0;
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  wss.on('connection', (ws) => {
    const n = ++connections;
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 60_000 }, s: null, t: null }));
    ws.on('message', (raw) => script(ws, n, JSON.parse(String(raw)), url));
  });
  return { url, connections: () => connections };
}

function shard(url: string, extra: Record<string, unknown> = {}): Shard {
  const s = new Shard({
    token: 'not.a.token',
    intents: 0,
    gatewayUrl: url,
    identifyQueue: new InMemoryIdentifyQueue({ spacingMs: 1 }),
    ...fastTimers,
    minHeartbeatIntervalMs: 1000,
    ...extra,
  });
  cleanup.unshift(() => s.destroy());
  return s;
}

const ready = (url: unknown) =>
  JSON.stringify({ op: 0, t: 'READY', s: 1, d: { v: 10, session_id: 'sess', resume_gateway_url: url } });

describe('a hostile gateway over real sockets', () => {
  it('a READY with resume_gateway_url "not a url": typed error, then a fresh identify at gatewayUrl', async () => {
    const identifies: number[] = [];
    const gw = await hostileGateway((ws, n, m, self) => {
      if (m.op !== 2) return;
      identifies.push(n);
      ws.send(ready(n === 1 ? 'not a url' : self));
    });
    const s = shard(gw.url);
    const error = once(s, 'inboundError');
    const readyEvent = once(s, 'ready');
    await s.connect();
    expect((await error).error.code).toBe('GATEWAY_DECODE_FAILED');
    await readyEvent;
    expect(identifies).toEqual([1, 2]);
  });

  it('a dispatch with s above 2^53: typed error, a resume, and later dispatches are delivered', async () => {
    const gw = await hostileGateway((ws, n, m, self) => {
      if (m.op === 2) {
        ws.send(ready(self));
        ws.send(JSON.stringify({ op: 0, t: 'MESSAGE_CREATE', s: 2 ** 60, d: {} }));
      }
      if (m.op === 6) {
        ws.send(JSON.stringify({ op: 0, t: 'RESUMED', s: 2, d: {} }));
        ws.send(JSON.stringify({ op: 0, t: 'MESSAGE_CREATE', s: 3, d: { after: n } }));
      }
    });
    const s = shard(gw.url);
    const delivered = once(s, 'dispatch', (e) => e.t === 'MESSAGE_CREATE');
    const error = once(s, 'inboundError');
    await s.connect();
    expect((await error).error.message).toMatch(/sequence/);
    expect(await delivered).toMatchObject({ s: 3, d: { after: 2 } });
  });

  it('an op 7 on every connection: backed off, then a typed fatal after maxReconnectRequests', async () => {
    const gw = await hostileGateway((ws, _n, m, self) => {
      if (m.op === 2) {
        ws.send(ready(self));
        ws.send(JSON.stringify({ op: 7, d: null, s: null, t: null }));
      }
      if (m.op === 6) ws.send(JSON.stringify({ op: 7, d: null, s: null, t: null }));
    });
    const s = shard(gw.url, { maxReconnectRequests: 3 });
    const delays: number[] = [];
    s.on('reconnecting', (e) => delays.push(e.delayMs));
    const fatal = once(s, 'fatal');
    await s.connect();
    const { error } = await fatal;
    expect(error).toBeInstanceOf(GatewayReconnectLimitError);
    expect(error.code).toBe('GATEWAY_RECONNECT_LIMIT');
    expect(gw.connections()).toBe(4);
    // Jittered doubling from baseMs 20: [10-20], [20-40], [40-80].
    expect(delays).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      expect(delays[i]).toBeGreaterThanOrEqual(10 * 2 ** i);
      expect(delays[i]).toBeLessThanOrEqual(20 * 2 ** i);
    }
    await waitFor(() => s.state === 'fatal', 1000, 'fatal state');
  });
});
