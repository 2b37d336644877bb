import { request } from 'node:http';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startVoiceServer, type VoiceServer } from '../src/voice/index.js';
import { poll } from './helpers/daveMember.js';

let server: VoiceServer | undefined;
const sockets: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const s of sockets) s.close();
  sockets.length = 0;
  await server?.close();
  server = undefined;
});

/** A raw client: its close code, or the HTTP status of a refused upgrade. */
function open(url: string, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, options);
  const result = {
    ws,
    opened: false,
    closeCode: undefined as number | undefined,
    status: undefined as number | undefined,
    messages: [] as Array<{ op: number; d: unknown }>,
  };
  ws.on('open', () => {
    result.opened = true;
  });
  ws.on('message', (data, isBinary) => {
    if (!isBinary) result.messages.push(JSON.parse(String(data)));
  });
  ws.on('close', (code) => {
    result.closeCode = code;
  });
  ws.on('unexpected-response', (_req, res) => {
    result.status = res.statusCode;
    res.resume();
    ws.terminate();
  });
  ws.on('error', () => {});
  sockets.push({ close: () => ws.terminate() });
  return result;
}

describe('voice server handshake deadlines', () => {
  it('a socket that heartbeats but never identifies is closed with 4009', async () => {
    server = await startVoiceServer({ plainWs: true, e2ee: 'off', handshakeTimeoutMs: 150 });
    const c = open(`ws://${server.plainEndpoint}/?v=8`);
    await poll(() => c.opened, 'open');
    const beat = setInterval(() => c.ws.send(JSON.stringify({ op: 3, d: { t: 1, seq_ack: -1 } })), 20);
    try {
      await poll(() => c.closeCode !== undefined, 'the close');
    } finally {
      clearInterval(beat);
    }
    expect(c.closeCode).toBe(4009);
    expect(c.messages.some((m) => m.op === 6)).toBe(true);
    expect(server.stats().handshakeTimeouts).toBe(1);
  });

  it('an identified socket that never selects a protocol is closed with 4009; one that does is kept', async () => {
    server = await startVoiceServer({ plainWs: true, e2ee: 'off', handshakeTimeoutMs: 200 });
    const identify = (userId: string) => {
      const { token } = server!.allocate({ guildId: 'g', channelId: 'c', userId, sessionId: `s${userId}` });
      const c = open(`ws://${server!.plainEndpoint}/?v=8`);
      c.ws.on('open', () =>
        c.ws.send(
          JSON.stringify({ op: 0, d: { server_id: 'g', user_id: userId, session_id: `s${userId}`, token } }),
        ),
      );
      return c;
    };
    const idle = identify('idle');
    const good = identify('good');
    await poll(() => good.messages.some((m) => m.op === 2), 'READY for good');
    good.ws.send(
      JSON.stringify({
        op: 1,
        d: { protocol: 'udp', data: { address: '127.0.0.1', port: 5000, mode: 'aead_aes256_gcm_rtpsize' } },
      }),
    );
    await poll(() => good.messages.some((m) => m.op === 4), 'SESSION_DESCRIPTION for good');
    await poll(() => idle.closeCode !== undefined, 'idle closed');
    expect(idle.closeCode).toBe(4009);
    expect(idle.messages.some((m) => m.op === 2)).toBe(true);
    // good is past every step: it is still open after idle's deadline passed (heartbeat rules apply from here).
    expect(good.closeCode).toBeUndefined();
    expect(server.stats().handshakeTimeouts).toBe(1);
  });

  it('a TCP socket that never sends the upgrade request, and a TLS socket that never handshakes, are closed', async () => {
    server = await startVoiceServer({ plainWs: true, handshakeTimeoutMs: 100 });
    const [host, port] = server.plainEndpoint!.split(':');
    const tcp = netConnect(Number(port), host);
    let tcpClosed = false;
    tcp.on('close', () => {
      tcpClosed = true;
    });
    tcp.on('error', () => {});
    // Flowing, so the server's FIN is seen and 'close' follows.
    tcp.resume();
    sockets.push({ close: () => tcp.destroy() });
    const [, tlsPort] = server.endpoint.split(':');
    const raw = netConnect(Number(tlsPort), host);
    let tlsClosed = false;
    raw.on('close', () => {
      tlsClosed = true;
    });
    raw.on('error', () => {});
    raw.resume();
    sockets.push({ close: () => raw.destroy() });
    await poll(
      () => tcpClosed && tlsClosed,
      `both sockets closed by the server (tcp ${tcpClosed}, tls ${tlsClosed})`,
    );
    // A TLS client that does finish the handshake but never sends the request is closed as well.
    const tls = tlsConnect({ host, port: Number(tlsPort), ca: server.caPem });
    let secured = false;
    tls.on('secureConnect', () => {
      secured = true;
    });
    let tls2Closed = false;
    tls.on('close', () => {
      tls2Closed = true;
    });
    tls.on('error', () => {});
    tls.resume();
    sockets.push({ close: () => tls.destroy() });
    await poll(() => tls2Closed, 'the idle TLS socket closed');
    expect(secured).toBe(true);
  });

  it('a plain HTTP request is answered 426, not left hanging', async () => {
    server = await startVoiceServer({ plainWs: true });
    const [host, port] = server.plainEndpoint!.split(':');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host, port: Number(port), path: '/' }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(426);
  });
});

describe('voice server connection caps', () => {
  it('upgrades beyond maxConnections get 503; a freed slot is usable again; nothing leaks', async () => {
    server = await startVoiceServer({ plainWs: true, maxConnections: 2 });
    const url = `ws://${server.plainEndpoint}/?v=8`;
    const a = open(url);
    const b = open(url);
    await poll(() => a.opened && b.opened, 'two open');
    const c = open(url);
    await poll(() => c.status !== undefined, 'c refused');
    expect(c.status).toBe(503);
    expect(c.opened).toBe(false);
    expect(server.stats()).toMatchObject({ refusedConnections: 1, openConnections: 2 });
    a.ws.close();
    await poll(() => server!.stats().openConnections === 1, 'a slot freed');
    const d = open(url);
    await poll(() => d.opened, 'd accepted');
    // A burst far over the cap is refused without growing anything.
    const burst = Array.from({ length: 20 }, () => open(url));
    await poll(() => burst.every((x) => x.status !== undefined || x.opened), 'the burst answered');
    expect(burst.every((x) => x.status === 503)).toBe(true);
    for (const x of [b, d]) x.ws.close();
    await poll(() => server!.stats().openConnections === 0, 'every slot freed');
  });

  it('maxConnectionsPerAddress refuses one address while another (127.0.0.2) still gets in', async () => {
    server = await startVoiceServer({ plainWs: true, maxConnectionsPerAddress: 1 });
    const url = `ws://${server.plainEndpoint}/?v=8`;
    const first = open(url, { localAddress: '127.0.0.1' });
    await poll(() => first.opened, 'first open');
    const second = open(url, { localAddress: '127.0.0.1' });
    await poll(() => second.status !== undefined, 'second refused');
    expect(second.status).toBe(503);
    const other = open(url, { localAddress: '127.0.0.2' });
    await poll(() => other.opened, 'another address accepted');
    // HELLO still arrives on accepted sockets.
    await poll(() => other.messages.some((m) => m.op === 8), 'HELLO');
  });
});

describe('voice server HTTP input', () => {
  it('fuzzed request lines, targets and headers never escape a handler; the server keeps serving', async () => {
    server = await startVoiceServer({ plainWs: true, handshakeTimeoutMs: 500 });
    const [host, port] = server.plainEndpoint!.split(':');
    const requests = fc.sample(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc
          .tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }))
          .map(([target, header]) => `GET ${target} HTTP/1.1\r\nHost: x\r\nX: ${header}\r\n\r\n`),
        fc
          .tuple(
            fc.string({ maxLength: 60 }),
            fc.constantFrom('13', '8', 'x', ''),
            fc.string({ maxLength: 30 }),
          )
          .map(
            ([target, version, key]) =>
              `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
              `Sec-WebSocket-Version: ${version}\r\nSec-WebSocket-Key: ${key}\r\n\r\n`,
          ),
      ),
      { numRuns: 120, seed: 11 },
    );
    let answered = 0;
    await Promise.all(
      requests.map(
        (text) =>
          new Promise<void>((resolve) => {
            const socket = netConnect(Number(port), host, () => socket.end(text));
            socket.on('data', () => {
              answered++;
            });
            socket.on('error', () => resolve());
            socket.on('close', () => resolve());
            socket.resume();
          }),
      ),
    );
    // Every socket was answered or closed (none hangs: Promise.all returned), and a real client still gets in.
    expect(answered).toBeGreaterThan(0);
    const c = open(`ws://${server.plainEndpoint}/?v=8`);
    await poll(() => c.messages.some((m) => m.op === 8), 'HELLO after the fuzz');
    await poll(() => server!.stats().openConnections === 1, 'only the real client left open');
  });
});
