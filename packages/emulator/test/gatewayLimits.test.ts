import { request } from 'node:http';
import { connect as connectTcp } from 'node:net';
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterEach, describe, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { FakeClock } from './fakeClock.js';
import { RawClient } from './gatewayClient.js';

let emu: Emulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await emu?.close();
  emu = undefined;
});

/** Polls `cond` until it holds; fails with `what` after 5 s (a deadline, not a timing assertion). */
async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * A heartbeat and its ACK: the connection's frames go out in order, so once the ACK is here any
 * close the emulator had decided before it would have arrived first.
 */
async function heartbeatRoundTrip(c: RawClient): Promise<void> {
  const from = c.frames.length;
  c.send({ op: 1, d: null });
  await c.waitFor((f) => f.op === 11, from);
}

async function connect(e: Emulator): Promise<RawClient> {
  const c = await RawClient.connect(e.gatewayUrl);
  clients.push(c);
  return c;
}

async function sessionStartLimit(e: Emulator): Promise<Record<string, number>> {
  const res = await fetch(`${e.restUrl}/gateway/bot`, { headers: { authorization: `Bot ${e.token}` } });
  return ((await res.json()) as { session_start_limit: Record<string, number> }).session_start_limit;
}

describe('session_start_limit', () => {
  test('remaining counts IDENTIFYs down (not RESUMEs); at 0 an IDENTIFY ends every session with 4004; reset_after restores it', async () => {
    const clock = new FakeClock();
    emu = await startEmulator({
      clock,
      identifyIntervalMs: 0,
      sessionStartLimit: 2,
      sessionStartResetAfterMs: 60_000,
    });
    expect(await sessionStartLimit(emu)).toEqual({
      total: 2,
      remaining: 2,
      reset_after: 60_000,
      max_concurrency: 1,
    });

    const a = await connect(emu);
    const readyA = await a.ready(emu.token);
    clock.advance(10_000);
    expect(await sessionStartLimit(emu)).toEqual({
      total: 2,
      remaining: 1,
      reset_after: 50_000,
      max_concurrency: 1,
    });

    // A RESUME does not count.
    a.close(4100);
    await a.closed;
    const r = await connect(emu);
    r.send({ op: 6, d: { token: emu.token, session_id: readyA.d.session_id, seq: 1 } });
    await r.waitDispatch('RESUMED');
    expect((await sessionStartLimit(emu)).remaining).toBe(1);

    const b = await connect(emu);
    await b.ready(emu.token);
    expect((await sessionStartLimit(emu)).remaining).toBe(0);

    // One IDENTIFY too many: Discord terminates every active session of the app.
    const c = await connect(emu);
    c.identify(emu.token);
    const closes = await Promise.all([c.closed, r.closed, b.closed]);
    expect(closes.map((x) => x.code)).toEqual([4004, 4004, 4004]);
    expect(emu.control.sessions()).toEqual([]);
    expect(c.frames.some((f) => f.t === 'READY')).toBe(false);
    const late = await connect(emu);
    late.identify(emu.token);
    expect((await late.closed).code).toBe(4004);

    // Once the window has passed, remaining is back to total and IDENTIFY works again.
    clock.advance(50_000);
    expect(await sessionStartLimit(emu)).toEqual({
      total: 2,
      remaining: 2,
      reset_after: 60_000,
      max_concurrency: 1,
    });
    const d = await connect(emu);
    await d.ready(emu.token);
    expect((await sessionStartLimit(emu)).remaining).toBe(1);
  });
});

describe('op 7 grace', () => {
  test('a client that ignores op 7 is closed with 4000 after reconnectGraceMs, and can resume', async () => {
    const clock = new FakeClock();
    emu = await startEmulator({ clock, identifyIntervalMs: 0, reconnectGraceMs: 3000 });
    const c = await connect(emu);
    const ready = await c.ready(emu.token);
    emu.control.reconnect();
    await c.waitFor((f) => f.op === 7);
    clock.advance(2999);
    await heartbeatRoundTrip(c);
    expect(c.closeInfo).toBeUndefined();
    clock.advance(1);
    expect((await c.closed).code).toBe(4000);
    // 4000 keeps the session: the client that finally reconnects resumes it.
    const r = await connect(emu);
    r.send({ op: 6, d: { token: emu.token, session_id: ready.d.session_id, seq: 1 } });
    await r.waitDispatch('RESUMED');
  });

  test('a client that reconnects in time is not closed by the grace timer of its old connection', async () => {
    const clock = new FakeClock();
    emu = await startEmulator({ clock, identifyIntervalMs: 0, reconnectGraceMs: 3000 });
    const c = await connect(emu);
    const ready = await c.ready(emu.token);
    emu.control.reconnect();
    await c.waitFor((f) => f.op === 7);
    c.close(4100);
    await c.closed;
    const r = await connect(emu);
    r.send({ op: 6, d: { token: emu.token, session_id: ready.d.session_id, seq: 1 } });
    await r.waitDispatch('RESUMED');
    clock.advance(10_000);
    await heartbeatRoundTrip(r);
    expect(r.closeInfo).toBeUndefined();
    expect(emu.control.sessions()[0]!.connected).toBe(true);
  });
});

/** Opens a WebSocket; resolves with 'open' or the HTTP status it was refused with. */
function attempt(url: string, sockets: WebSocket[]): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url}/?v=10&encoding=json`);
    sockets.push(ws);
    ws.once('open', () => resolve('open'));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once('error', () => resolve(0));
  });
}

describe('connection caps', () => {
  test('200 quick connects: at most maxPendingHandshakes wait to identify, the rest get a clean 503', async () => {
    emu = await startEmulator({ identifyIntervalMs: 0, maxConnections: 50, maxPendingHandshakes: 20 });
    const sockets: WebSocket[] = [];
    try {
      const results = await Promise.all(Array.from({ length: 200 }, () => attempt(emu!.gatewayUrl, sockets)));
      const opened = results.filter((r) => r === 'open').length;
      expect(opened).toBe(20);
      expect(results.filter((r) => r === 503)).toHaveLength(180);
      const stats = emu.control.connectionStats();
      expect(stats).toEqual({ connections: 20, pendingHandshakes: 20, refusedUpgrades: 180 });

      // Identified connections stop being pending; the total cap then applies.
      for (const ws of sockets) ws.terminate();
      await until('every connection to close', () => emu!.control.connectionStats().connections === 0);
      const ready: RawClient[] = [];
      for (let i = 0; i < 50; i++) {
        const k = await connect(emu);
        await k.ready(emu.token, { shard: [0, 1] });
        ready.push(k);
      }
      expect(emu.control.connectionStats()).toMatchObject({ connections: 50, pendingHandshakes: 0 });
      expect(await attempt(emu.gatewayUrl, sockets)).toBe(503);
      // A slot freed is a slot usable again.
      ready[0]!.terminate();
      await ready[0]!.closed;
      await until('the slot to be freed', () => emu!.control.connectionStats().connections === 49);
      expect(await attempt(emu.gatewayUrl, sockets)).toBe('open');
    } finally {
      for (const ws of sockets) ws.terminate();
    }
  });

  test('the 503 is a plain HTTP answer with Retry-After and Discord-shaped JSON, and REST still works', async () => {
    emu = await startEmulator({ maxConnections: 1 });
    await connect(emu);
    const res = await new Promise<{ status: number; retry: string | undefined; body: string }>(
      (resolve, reject) => {
        const req = request(`${emu!.gatewayUrl.replace('ws:', 'http:')}/?v=10&encoding=json`, {
          headers: {
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-version': '13',
            'sec-websocket-key': Buffer.alloc(16, 1).toString('base64'),
          },
        });
        req.on('response', (r) => {
          let body = '';
          r.on('data', (d: Buffer) => {
            body += d.toString();
          });
          r.on('end', () => resolve({ status: r.statusCode ?? 0, retry: r.headers['retry-after'], body }));
        });
        req.on('upgrade', () => reject(new Error('upgraded past the cap')));
        req.on('error', reject);
        req.end();
      },
    );
    expect(res.status).toBe(503);
    expect(res.retry).toBe('1');
    expect(JSON.parse(res.body)).toMatchObject({ code: 0 });
    expect((await fetch(`${emu.restUrl}/gateway`)).status).toBe(200);
  });
});

/** Writes raw bytes on a TCP socket and collects what comes back until the server closes it. */
/** `end: false` keeps the socket open after writing, like a peer that never finishes its request. */
function rawHttp(port: number, bytes: string, end = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: '127.0.0.1', port }, () =>
      end ? socket.end(bytes) : socket.write(bytes),
    );
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
  });
}

const upgradeHeaders =
  'Host: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
  `Sec-WebSocket-Key: ${Buffer.alloc(16, 1).toString('base64')}\r\n\r\n`;

describe('hostile HTTP input on the gateway port', () => {
  test('malformed request targets on an upgrade get a 400 and the emulator keeps serving', async () => {
    emu = await startEmulator({ identifyIntervalMs: 0 });
    const targets = ['//', '//x/?v=10', 'http://[::1', '*', `/${'a'.repeat(5000)}`, 'ws://a b/'];
    for (const target of targets) {
      const answer = await rawHttp(emu.port, `GET ${target} HTTP/1.1\r\n${upgradeHeaders}`);
      expect(answer, `target ${JSON.stringify(target)}`).toMatch(/^HTTP\/1\.1 400 /);
    }
    // Junk request lines never reach a handler; Node's parser refuses them, and they get a 400 too.
    for (const line of ['GARBAGE\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', '\u0000\u0001\u0002\r\n\r\n']) {
      expect(await rawHttp(emu.port, line)).toMatch(/^HTTP\/1\.1 400 /);
    }
    const c = await connect(emu);
    await c.ready(emu.token);
    expect((await fetch(`${emu.restUrl}/gateway`)).status).toBe(200);
  });

  test('random request targets on an upgrade: every one gets an HTTP answer, and the emulator keeps serving', async () => {
    emu = await startEmulator({ identifyIntervalMs: 0 });
    const port = emu.port;
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.webPath(), fc.webUrl(), fc.string({ unit: 'binary', maxLength: 300 })),
        async (raw) => {
          // A request line carries no CR/LF or spaces inside the target; anything else is fair game.
          const target = raw.replace(/[\r\n ]/g, '');
          const answer = await rawHttp(port, `GET ${target || '/'} HTTP/1.1\r\n${upgradeHeaders}`);
          expect(answer).toMatch(/^HTTP\/1\.1 (101|400) /);
          answered += 1;
        },
      ),
      { numRuns: 60 },
    );
    expect(answered).toBe(60);
    const c = await connect(emu);
    await c.ready(emu.token);
  });

  test('a peer is held to maxConnectionsPerAddress; others are unaffected by its slots', async () => {
    emu = await startEmulator({ identifyIntervalMs: 0, maxConnectionsPerAddress: 3 });
    const sockets: WebSocket[] = [];
    try {
      const results = await Promise.all(Array.from({ length: 5 }, () => attempt(emu!.gatewayUrl, sockets)));
      expect(results.filter((r) => r === 'open')).toHaveLength(3);
      expect(results.filter((r) => r === 503)).toHaveLength(2);
      expect(emu.control.connectionStats().refusedUpgrades).toBe(2);
      for (const ws of sockets) ws.terminate();
      await until('the address to free its slots', () => emu!.control.connectionStats().connections === 0);
      expect(await attempt(emu.gatewayUrl, sockets)).toBe('open');
    } finally {
      for (const ws of sockets) ws.terminate();
    }
  });

  test('a TCP connection that never sends its request (or trickles it) is answered 408 and closed', async () => {
    emu = await startEmulator({ headersTimeoutMs: 300 });
    const idle = rawHttp(emu.port, '', false);
    const partial = rawHttp(emu.port, 'GET /?v=10 HTTP/1.1\r\nHost: 127.0.0.1\r\n', false);
    expect(await idle).toMatch(/^HTTP\/1\.1 408 /);
    expect(await partial).toMatch(/^HTTP\/1\.1 408 /);
    const c = await connect(emu);
    await c.ready(emu.token);
  });

  test('a socket that never identifies is closed with 4009 at the identify deadline (fake clock)', async () => {
    const clock = new FakeClock();
    emu = await startEmulator({ clock, identifyTimeoutMs: 5000 });
    const c = await connect(emu);
    await c.waitFor((f) => f.op === 10);
    expect(emu.control.connectionStats().pendingHandshakes).toBe(1);
    clock.advance(4999);
    await heartbeatRoundTrip(c);
    expect(c.closeInfo).toBeUndefined();
    clock.advance(1);
    expect((await c.closed).code).toBe(4009);
    await until('the slot to be freed', () => emu!.control.connectionStats().pendingHandshakes === 0);
  });
});
