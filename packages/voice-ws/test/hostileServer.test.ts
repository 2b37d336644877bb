import { buildIpDiscoveryResponse, createTransportCipher, type ReceivedRtcp } from '@cordwire/voice-udp';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { joinVoiceChannel, type VoiceAdapterCreator, type VoiceConnection } from '../src/index.js';
import { fastClock, fixedEndpointAdapter, waitFor } from './helpers/harness.js';
import { handWrittenServer } from './helpers/handWrittenServer.js';

/**
 * A deliberately broken voice server: it answers IP discovery with oversized, short and
 * forged replies before the real one, sends invalid JSON and garbage binary frames, and
 * sprays junk datagrams at the client. The client must drop and count all of it.
 */
describe('a hostile voice server', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  it('oversized/forged IP discovery replies, invalid JSON and junk datagrams are dropped and counted', async () => {
    const { udp, wss, udpPort, endpoint } = await handWrittenServer(cleanup);
    const SSRC = 77;
    let client: { address: string; port: number } | undefined;
    udp.on('message', (msg, rinfo) => {
      if (msg.length !== 74 || client) return;
      client = { address: rinfo.address, port: rinfo.port };
      const real = buildIpDiscoveryResponse({ ssrc: SSRC, address: rinfo.address, port: rinfo.port });
      const oversized = new Uint8Array(300);
      oversized.set(real);
      const forged = buildIpDiscoveryResponse({ ssrc: SSRC + 1, address: '10.0.0.1', port: 1 });
      const noNul = Uint8Array.from(real);
      noNul.fill(0x41, 8, 72);
      for (const bad of [oversized, real.subarray(0, 70), forged, noNul, real])
        udp.send(bad, rinfo.port, rinfo.address);
    });
    wss.on('connection', (ws) => {
      ws.send(JSON.stringify({ op: 8, d: { heartbeat_interval: 10_000 } }));
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw));
        if (m.op === 0) {
          ws.send('{this is not json');
          ws.send(Uint8Array.of(1));
          ws.send(Uint8Array.of(0, 1, 99, 1, 2));
          ws.send(JSON.stringify({ op: 2, d: { ssrc: 'nope' } }));
          ws.send(
            JSON.stringify({
              op: 2,
              d: {
                ssrc: SSRC,
                ip: '127.0.0.1',
                port: udpPort(),
                modes: ['aead_aes256_gcm_rtpsize'],
              },
              seq: 0,
            }),
          );
        } else if (m.op === 1) {
          ws.send(
            JSON.stringify({
              op: 4,
              d: { mode: m.d.data.mode, secret_key: Array(32).fill(3), dave_protocol_version: 0 },
              seq: 1,
            }),
          );
        }
      });
    });
    const adapter: VoiceAdapterCreator = (methods) => ({
      sendPayload: (p) => {
        if (p.d.channel_id === null) return true;
        queueMicrotask(() => {
          methods.onVoiceStateUpdate({
            session_id: 's',
            user_id: 'u',
            guild_id: p.d.guild_id,
            channel_id: p.d.channel_id,
          });
          methods.onVoiceServerUpdate({
            token: 't',
            guild_id: p.d.guild_id,
            endpoint: endpoint(),
          });
        });
        return true;
      },
      destroy() {},
    });
    const conn: VoiceConnection = joinVoiceChannel({
      dave: false,
      guildId: 'g',
      channelId: 'c',
      adapterCreator: adapter,
      scheme: 'ws',
      sendClock: fastClock(20),
    });
    cleanup.unshift(() => conn.destroy());
    await conn.ready();
    expect(conn.stats.ipDiscoveryRejected).toBe(4);
    expect(conn.gateway?.core.counters.invalidFrames).toBe(4);

    // Junk at the client's media port: random bytes, RTP-looking garbage, truncated packets.
    const junk = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 400, size: 'max' }), {
      numRuns: 300,
      seed: 9,
    });
    const rtpish = junk.slice(0, 100).map((x) => {
      const y = new Uint8Array(Math.max(13, x.length));
      y.set(x);
      y[0] = 0x80;
      y[1] = 0x78;
      return y;
    });
    let n = 0;
    for (const bytes of [...junk, ...rtpish]) {
      await new Promise<void>((r) => udp.send(bytes, client!.port, client!.address, () => r()));
      if (++n % 32 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    await waitFor(
      () => {
        const s = conn.stats;
        const dropped = Object.values(s.receiver.dropped).reduce((a, b) => a + b, 0);
        return dropped + s.receiver.keepalive + s.stashedDatagrams + s.stashOverflow >= 350;
      },
      5000,
      'junk accounted for',
    );
    expect(conn.state.status).toBe('ready');

    // RTCP under the session key is surfaced as an event; a forged tag is dropped and counted.
    const rtcpSeen: ReceivedRtcp[] = [];
    conn.on('rtcp', (r) => rtcpSeen.push(r));
    const serverCipher = createTransportCipher('aead_aes256_gcm_rtpsize', Array(32).fill(3));
    const receiverReport = Uint8Array.of(0x80, 201, 0, 1, 0, 0, 0, 42);
    const sealed = serverCipher.encryptRtcp(receiverReport);
    const tampered = Uint8Array.from(sealed);
    tampered[9]! ^= 1;
    const authFailedBefore = conn.stats.receiver.dropped.auth_failed;
    for (const d of [tampered, sealed])
      await new Promise<void>((r) => udp.send(d, client!.port, client!.address, () => r()));
    await waitFor(() => rtcpSeen.length === 1, 5000, 'an RTCP event');
    expect(rtcpSeen[0]!.header).toMatchObject({ packetType: 201, ssrc: 42, count: 0, lengthWords: 1 });
    expect([...rtcpSeen[0]!.packet]).toEqual([...receiverReport]);
    expect(conn.stats.receiver.dropped.auth_failed - authFailedBefore).toBe(1);
    expect(conn.stats.receiver.rtcp).toBe(1);

    // Forged RTP for one SSRC nobody announced: the unauthenticated stash stays bounded.
    const before = conn.stats;
    const forged = new Uint8Array(200);
    forged.set([0x80, 0x78, 0, 0, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef]);
    for (let i = 0; i < 300; i++) {
      forged[3] = i & 0xff;
      await new Promise<void>((r) => udp.send(forged, client!.port, client!.address, () => r()));
      if (i % 32 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    const oversized = new Uint8Array(4096);
    oversized.set(forged.subarray(0, 12));
    await new Promise<void>((r) => udp.send(oversized, client!.port, client!.address, () => r()));
    await waitFor(
      () =>
        conn.stats.stashedDatagrams +
          conn.stats.stashOverflow -
          before.stashedDatagrams -
          before.stashOverflow >=
        250,
      5000,
      'forged RTP stashed or refused',
    );
    expect(conn.stats.stashHeld).toBe(64);
    expect(conn.stats.stashOverflow - before.stashOverflow).toBeGreaterThan(150);
  });

  it('IP discovery retries on the injected timers, and leaving mid-discovery clears every timer', async () => {
    const { udp, wss, udpPort, endpoint } = await handWrittenServer(cleanup);
    const requests: number[] = [];
    wss.on('connection', (ws) => {
      ws.send(JSON.stringify({ op: 8, d: { heartbeat_interval: 10_000 } }));
      ws.on('message', (raw) => {
        if (JSON.parse(String(raw)).op !== 0) return;
        const port = udpPort();
        const ready = { ssrc: 5, ip: '127.0.0.1', port, modes: ['aead_aes256_gcm_rtpsize'] };
        ws.send(JSON.stringify({ op: 2, d: ready, seq: 0 }));
      });
    });
    // Every timer of the connection is ours: nothing fires unless the test fires it.
    const pending = new Map<number, { fn: () => void; ms: number }>();
    let nextId = 0;
    const add = (fn: () => void, ms: number) => {
      pending.set(++nextId, { fn, ms });
      return nextId;
    };
    const remove = (handle: unknown) => void pending.delete(handle as number);
    const adapter = fixedEndpointAdapter(endpoint);
    const conn = joinVoiceChannel({
      dave: false,
      guildId: 'g',
      channelId: 'c',
      adapterCreator: adapter,
      scheme: 'ws',
      sendClock: fastClock(20),
      ipDiscoveryTimeoutMs: 60_000,
      timers: { setTimeout: add, clearTimeout: remove, setInterval: add, clearInterval: remove },
    });
    const firstRequest = new Promise<void>((resolve) =>
      udp.on('message', (msg) => {
        requests.push(msg.length);
        resolve();
      }),
    );
    await firstRequest;
    expect(requests).toEqual([74]);
    // The discovery retry (every timeout/5 = 12 s) runs on the injected timers: firing it
    // resends now, long before a wall-clock retry could.
    for (const [id, timer] of [...pending]) {
      if (timer.ms !== 12_000) continue;
      pending.delete(id);
      timer.fn();
    }
    await waitFor(() => requests.length === 2, 5000, 'a retried request');
    expect(pending.size).toBeGreaterThan(0);
    conn.destroy();
    // Closing the socket ends discovery: every timer is cleared, none is left to fire a send
    // on a closed socket (which would throw ERR_SOCKET_DGRAM_NOT_RUNNING from a timer).
    await waitFor(() => pending.size === 0, 5000, 'timers cleared');
    expect(conn.state.status).toBe('destroyed');
  });
});
