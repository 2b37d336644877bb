import { createSocket, type Socket } from 'node:dgram';
import {
  buildIpDiscoveryRequest,
  buildRtpPacket,
  createTransportCipher,
  decryptVoicePacket,
  parseIpDiscoveryResponse,
  type TransportCipher,
  type TransportEncryptionMode,
} from '@cordwire/voice-udp';
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVoiceServer, type VoiceServer } from '../src/voice/index.js';

interface Member {
  userId: string;
  ssrc: number;
  udp: Socket;
  cipher: TransportCipher;
  ws: WebSocket;
  inbox: Buffer[];
}

/** The fields of READY and SESSION_DESCRIPTION these tests read. */
type ServerData = {
  ssrc: number;
  ip: string;
  port: number;
  mode: TransportEncryptionMode;
  secret_key: number[];
};

async function join(server: VoiceServer, userId: string, mode: TransportEncryptionMode): Promise<Member> {
  const { token } = server.allocate({ guildId: 'g', channelId: 'c', userId, sessionId: `s-${userId}` });
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const inbox: Buffer[] = [];
  const ws = new WebSocket(`ws://${server.plainEndpoint}/?v=8`);
  const messages: Array<{ op: number; d: ServerData }> = [];
  ws.on('message', (m) => messages.push(JSON.parse(String(m))));
  await new Promise((r) => ws.once('open', r));
  const next = async (op: number) => {
    for (let i = 0; i < 400; i++) {
      const m = messages.find((x) => x.op === op);
      if (m) return m.d;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`op ${op} missing`);
  };
  ws.send(
    JSON.stringify({ op: 0, d: { server_id: 'g', user_id: userId, session_id: `s-${userId}`, token } }),
  );
  const ready = await next(2);
  // IP discovery: the relay reports the address it saw.
  const discovered = await new Promise<{ address: string; port: number }>((resolve) => {
    udp.once('message', (msg) => {
      const parsed = parseIpDiscoveryResponse(new Uint8Array(msg), ready.ssrc);
      if (parsed.ok) resolve(parsed.value);
    });
    udp.send(buildIpDiscoveryRequest(ready.ssrc), ready.port, ready.ip);
  });
  expect(discovered.port).toBe(udp.address().port);
  udp.on('message', (m) => inbox.push(m));
  ws.send(JSON.stringify({ op: 1, d: { protocol: 'udp', data: { ...discovered, mode } } }));
  const sd = await next(4);
  return { userId, ssrc: ready.ssrc, udp, cipher: createTransportCipher(sd.mode, sd.secret_key), ws, inbox };
}

async function settle(cond: () => boolean, ms = 3000): Promise<void> {
  const start = Date.now();
  while (!cond() && Date.now() - start < ms) await new Promise((r) => setTimeout(r, 5));
}

describe('voice media relay (SFU)', () => {
  let server: VoiceServer;
  let a: Member;
  let b: Member;
  beforeAll(async () => {
    server = await startVoiceServer({ plainWs: true, e2ee: 'off' });
    a = await join(server, 'a', 'aead_aes256_gcm_rtpsize');
    b = await join(server, 'b', 'aead_xchacha20_poly1305_rtpsize');
  });
  afterAll(async () => {
    for (const m of [a, b]) {
      m.ws.close();
      m.udp.close();
    }
    await server.close();
  });

  const sendFromA = (bytes: Uint8Array) =>
    new Promise<void>((r) => a.udp.send(bytes, server.udpPort, '127.0.0.1', () => r()));

  it('re-encrypts for the receiver’s mode and key, keeping CSRCs and the header extension', async () => {
    const extensionBody = Uint8Array.of(0x10, 0xaa, 0x00, 0x00);
    const rtp = buildRtpPacket(
      { sequence: 7, timestamp: 960, ssrc: a.ssrc, csrcs: [0x01020304, 0x0a0b0c0d] },
      Uint8Array.of(1, 2, 3, 4, 5),
      { extensionBody },
    );
    b.inbox.length = 0;
    await sendFromA(a.cipher.encryptRtp(rtp));
    await settle(() => b.inbox.length > 0);
    const got = decryptVoicePacket(b.cipher, new Uint8Array(b.inbox[0]!));
    expect(got.ok).toBe(true);
    if (!got.ok) return;
    expect(got.value.header.csrcs).toEqual([0x01020304, 0x0a0b0c0d]);
    expect([...got.value.extensionBody]).toEqual([...extensionBody]);
    expect([...got.value.payload]).toEqual([1, 2, 3, 4, 5]);
    expect(got.value.header.ssrc).toBe(a.ssrc);
    // Not the same bytes: B has its own key and mode.
    expect(Buffer.compare(b.inbox[0]!, Buffer.from(a.cipher.encryptRtp(rtp)))).not.toBe(0);
    expect(a.inbox).toHaveLength(0);
  });

  it('fuzzed RTP, forged tags, truncated packets and odd discovery requests are dropped and counted', async () => {
    const before = server.stats().udp;
    const valid = a.cipher.encryptRtp(
      buildRtpPacket({ sequence: 9, timestamp: 0, ssrc: a.ssrc }, Uint8Array.of(9, 9, 9)),
    );
    // A copy, so the valid packet stays intact (the cipher returns slab views; see voice-udp's README).
    const forged = Uint8Array.from(valid);
    forged[forged.length - 6]! ^= 0xff; // inside the tag
    const truncated = valid.subarray(0, 20);
    const oversizedDiscovery = new Uint8Array(200);
    oversizedDiscovery.set(buildIpDiscoveryRequest(a.ssrc));
    const samples = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 300 }), { numRuns: 300, seed: 42 });
    // Fuzz that looks like RTP from A (right version, PT and SSRC) so it reaches decryption.
    const rtpish = fc
      .sample(fc.uint8Array({ minLength: 13, maxLength: 200 }), { numRuns: 200, seed: 43 })
      .map((x) => {
        x[0] = 0x80 | (x[0]! & 0x1f);
        x[1] = 0x78;
        new DataView(x.buffer).setUint32(8, a.ssrc);
        return x;
      });
    b.inbox.length = 0;
    // Sender and relay share one event loop here: pace the burst so the kernel's receive
    // buffer never overflows (that would be loss in the test rig, not in the relay).
    let sent = 0;
    for (const bytes of [forged, truncated, oversizedDiscovery, ...samples, ...rtpish]) {
      await sendFromA(bytes);
      if (++sent % 32 === 0) await settle(() => server.stats().udp.datagrams - before.datagrams >= sent);
    }
    await sendFromA(valid);
    await settle(() => b.inbox.length > 0);
    const after = server.stats().udp;
    expect(after.decryptFailures - before.decryptFailures).toBeGreaterThanOrEqual(2);
    expect(after.malformedIpDiscovery - before.malformedIpDiscovery).toBeGreaterThanOrEqual(1);
    expect(after.datagrams - before.datagrams).toBe(samples.length + rtpish.length + 4);
    // Only the one valid packet was forwarded; the relay is still alive.
    expect(b.inbox).toHaveLength(1);
    const got = decryptVoicePacket(b.cipher, new Uint8Array(b.inbox[0]!));
    expect(got.ok && [...got.value.payload]).toEqual([9, 9, 9]);
  });

  it('RTP from an address that does not own the SSRC is not forwarded', async () => {
    const intruder = createSocket('udp4');
    await new Promise<void>((r) => intruder.bind(0, '127.0.0.1', () => r()));
    const before = server.stats().udp.unknownSource;
    const pkt = a.cipher.encryptRtp(
      buildRtpPacket({ sequence: 1, timestamp: 0, ssrc: a.ssrc }, Uint8Array.of(1)),
    );
    await new Promise<void>((r) => intruder.send(pkt, server.udpPort, '127.0.0.1', () => r()));
    await settle(() => server.stats().udp.unknownSource > before);
    expect(server.stats().udp.unknownSource).toBe(before + 1);
    intruder.close();
  });

  it('keepalives are tracked per member', async () => {
    const before = server.control.members().find((m) => m.userId === 'a')!.keepalives;
    const ka = Uint8Array.of(a.ssrc >>> 24, (a.ssrc >>> 16) & 0xff, (a.ssrc >>> 8) & 0xff, a.ssrc & 0xff);
    await sendFromA(ka);
    await settle(() => server.control.members().find((m) => m.userId === 'a')!.keepalives > before);
    expect(server.control.members().find((m) => m.userId === 'a')!.keepalives).toBe(before + 1);
  });
});

describe('keepalive tracking', () => {
  it('a receiver that stops sending keepalives stops receiving media until it sends one again', async () => {
    let now = 1_000_000;
    const server = await startVoiceServer({ plainWs: true, e2ee: 'off', udpTimeoutMs: 100, now: () => now });
    const a = await join(server, 'a', 'aead_aes256_gcm_rtpsize');
    const b = await join(server, 'b', 'aead_aes256_gcm_rtpsize');
    try {
      const send = (m: Member, bytes: Uint8Array) =>
        new Promise<void>((r) => m.udp.send(bytes, server.udpPort, '127.0.0.1', () => r()));
      const rtp = (seq: number) =>
        a.cipher.encryptRtp(
          buildRtpPacket({ sequence: seq, timestamp: 0, ssrc: a.ssrc }, Uint8Array.of(seq)),
        );
      // 150 ms without a keepalive from b, on the server's clock. a's packet counts as its own keepalive.
      now += 150;
      await send(a, rtp(1));
      await settle(() => server.stats().udp.toSilentReceiver > 0);
      expect(server.stats().udp.toSilentReceiver).toBe(1);
      expect(b.inbox).toHaveLength(0);
      await send(
        b,
        Uint8Array.of(b.ssrc >>> 24, (b.ssrc >>> 16) & 0xff, (b.ssrc >>> 8) & 0xff, b.ssrc & 0xff),
      );
      await settle(() => server.control.members().find((m) => m.userId === 'b')!.keepalives > 0);
      await send(a, rtp(2));
      await settle(() => b.inbox.length > 0);
      expect(b.inbox).toHaveLength(1);
    } finally {
      for (const m of [a, b]) {
        m.ws.close();
        m.udp.close();
      }
      await server.close();
    }
  });
});
