import { createSocket } from 'node:dgram';
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVoiceServer, type VoiceServer } from '../src/voice/index.js';

/** A raw voice-gateway client: records every message and the close code. */
class RawClient {
  readonly messages: Array<{ op: number; d: unknown; seq?: number } | Uint8Array> = [];
  closeCode: number | undefined;
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  constructor(url: string, ca?: string) {
    this.ws = new WebSocket(url, { ca });
    this.opened = new Promise((r, j) => {
      this.ws.once('open', () => r());
      this.ws.once('error', j);
    });
    this.closed = new Promise((r) =>
      this.ws.once('close', (code) => {
        this.closeCode = code;
        r(code);
      }),
    );
    this.ws.on('message', (data, isBinary) => {
      this.messages.push(isBinary ? new Uint8Array(data as Buffer) : JSON.parse(String(data)));
    });
  }
  send(op: number, d: unknown): void {
    this.ws.send(JSON.stringify({ op, d }));
  }
  json(op: number) {
    return this.messages.filter(
      (m): m is { op: number; d: unknown; seq?: number } => !(m instanceof Uint8Array) && m.op === op,
    );
  }
  async waitFor(op: number, timeoutMs = 3000) {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
      const found = this.json(op);
      if (found.length > 0) return found[found.length - 1]!;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`op ${op} not received`);
  }
}

describe('emulated voice gateway: handshake and violations', () => {
  let server: VoiceServer;
  let n = 0;
  beforeAll(async () => {
    server = await startVoiceServer({
      plainWs: true,
      heartbeatIntervalMs: 500,
      e2ee: 'off',
      channels: { e2ee: 'required' },
      rateLimit: { count: 30, windowMs: 60_000 },
    });
  });
  afterAll(() => server.close());

  const url = () => `ws://${server.plainEndpoint}/?v=8`;
  function allocate(channelId = 'c1') {
    const userId = `u${++n}`;
    const sessionId = `s${n}`;
    const { token } = server.allocate({ guildId: 'g1', channelId, userId, sessionId });
    return { server_id: 'g1', user_id: userId, session_id: sessionId, token, max_dave_protocol_version: 0 };
  }
  async function identified(channelId = 'c1') {
    const id = allocate(channelId);
    const c = new RawClient(url());
    await c.opened;
    c.send(0, id);
    await c.waitFor(2);
    return { c, id };
  }

  it('HELLO, READY with AES-GCM first, SESSION_DESCRIPTION with dave_protocol_version, ACK echoes t', async () => {
    const { c } = await identified();
    const hello = await c.waitFor(8);
    expect(hello.d).toMatchObject({ heartbeat_interval: 500 });
    const ready = (await c.waitFor(2)).d as { ssrc: number; ip: string; port: number; modes: string[] };
    expect(ready.ip).toBe('127.0.0.1');
    expect(ready.port).toBe(server.udpPort);
    expect(ready.modes[0]).toBe('aead_aes256_gcm_rtpsize');
    c.send(3, { t: 1234, seq_ack: -1 });
    expect((await c.waitFor(6)).d).toEqual({ t: 1234 });
    // The address we announce is a socket of our own, so anything the relay sends lands here.
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const udpPort = udp.address().port;
    c.send(1, {
      protocol: 'udp',
      data: { address: '127.0.0.1', port: udpPort, mode: 'aead_xchacha20_poly1305_rtpsize' },
    });
    const sd = (await c.waitFor(4)).d as {
      mode: string;
      secret_key: number[];
      dave_protocol_version: number;
    };
    expect(sd.mode).toBe('aead_xchacha20_poly1305_rtpsize');
    expect(sd.secret_key).toHaveLength(32);
    expect(sd.dave_protocol_version).toBe(0);
    c.send(16, {});
    expect((await c.waitFor(16)).d).toMatchObject({ voice: expect.any(String) });
    c.ws.close();
    udp.close();
  });

  it('SPEAKING is relayed with ssrc and user_id; CLIENTS_CONNECT, FLAGS, PLATFORM, CLIENT_DISCONNECT; seq on each', async () => {
    const { c: a, id: idA } = await identified('room');
    const { c: b, id: idB } = await identified('room');
    const connect = await a.waitFor(11);
    expect(connect.d).toEqual({ user_ids: [idB.user_id] });
    expect((await b.waitFor(11)).d).toEqual({ user_ids: [idA.user_id] });
    expect((await b.waitFor(18)).d).toEqual({ user_id: idA.user_id, flags: 0 });
    expect((await b.waitFor(20)).d).toEqual({ user_id: idA.user_id, platform: 0 });
    const ssrcA = (a.json(2)[0]!.d as { ssrc: number }).ssrc;
    a.send(5, { speaking: 1, delay: 0, ssrc: ssrcA });
    const sp = await b.waitFor(5);
    expect(sp.d).toEqual({ user_id: idA.user_id, ssrc: ssrcA, speaking: 1 });
    expect(typeof sp.seq).toBe('number');
    server.release({ guildId: 'g1', userId: idB.user_id, sessionId: idB.session_id, channelId: null });
    expect((await a.waitFor(13)).d).toEqual({ user_id: idB.user_id });
    expect(await b.closed).toBe(4014);
    // seq strictly increases over a's sequenced messages, starting at 0.
    const seqs = a.messages.flatMap((m) => (m instanceof Uint8Array || m.seq === undefined ? [] : [m.seq]));
    expect(seqs[0]).toBe(0);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
    a.ws.close();
  });

  it('RESUME with seq_ack gets RESUMED and the missed messages replayed', async () => {
    const { c: a, id: idA } = await identified('resume-room');
    const { c: b } = await identified('resume-room');
    await a.waitFor(11);
    const seqAck = Math.max(...a.json(11).map((m) => m.seq!));
    a.ws.terminate();
    await a.closed;
    // While a is away, b speaks: a must get it on resume.
    const ssrcB = (b.json(2)[0]!.d as { ssrc: number }).ssrc;
    b.send(5, { speaking: 1, delay: 0, ssrc: ssrcB });
    // The server has queued it for a (a's session seq moved past seqAck) while a was away.
    const memberA = () => server.control.members().find((m) => m.userId === idA.user_id)!;
    while (memberA().seq <= seqAck) await new Promise((r) => setTimeout(r, 5));
    const a2 = new RawClient(url());
    await a2.opened;
    a2.send(7, { server_id: 'g1', session_id: idA.session_id, token: idA.token, seq_ack: seqAck });
    await a2.waitFor(9);
    const replayed = await a2.waitFor(5);
    expect(replayed.d).toMatchObject({ ssrc: ssrcB, speaking: 1 });
    expect(replayed.seq).toBeGreaterThan(seqAck);
    a2.ws.close();
    b.ws.close();
  });

  it('DAVE binary frames from a client pass through the framing seam', async () => {
    const got: Array<[number, number[]]> = [];
    const s = await startVoiceServer({
      plainWs: true,
      e2ee: 'off',
      dave: { onClientBinary: (_m, op, p) => got.push([op, [...p]]) },
    });
    try {
      const { token } = s.allocate({ guildId: 'g', channelId: 'c', userId: 'u', sessionId: 's' });
      const c = new RawClient(`ws://${s.plainEndpoint}/?v=8`);
      await c.opened;
      c.send(0, { server_id: 'g', user_id: 'u', session_id: 's', token });
      await c.waitFor(2);
      c.ws.send(Uint8Array.of(26, 1, 2, 3));
      s.control.sendBinary('u', 25, Uint8Array.of(9, 9));
      const deadline = Date.now() + 2000;
      while (Date.now() < deadline && (got.length === 0 || !c.messages.some((m) => m instanceof Uint8Array)))
        await new Promise((r) => setTimeout(r, 5));
      expect(got).toEqual([[26, [1, 2, 3]]]);
      const frame = c.messages.find((m) => m instanceof Uint8Array) as Uint8Array;
      expect(frame[2]).toBe(25);
      expect([...frame.subarray(3)]).toEqual([9, 9]);
      c.ws.close();
    } finally {
      await s.close();
    }
  });

  type Case = [code: number, what: string, run: () => Promise<RawClient>];
  const cases: Case[] = [
    [
      4001,
      'unknown opcode',
      async () => {
        const { c } = await identified();
        c.send(99, {});
        return c;
      },
    ],
    [
      4002,
      'invalid JSON',
      async () => {
        const c = new RawClient(url());
        await c.opened;
        c.ws.send('{nope');
        return c;
      },
    ],
    [
      4003,
      'payload before identify',
      async () => {
        const c = new RawClient(url());
        await c.opened;
        c.send(5, { speaking: 1, delay: 0 });
        return c;
      },
    ],
    [
      4004,
      'wrong token',
      async () => {
        const id = allocate();
        const c = new RawClient(url());
        await c.opened;
        c.send(0, { ...id, token: 'bad' });
        return c;
      },
    ],
    [
      4005,
      'second identify',
      async () => {
        const { c, id } = await identified();
        c.send(0, id);
        return c;
      },
    ],
    [
      4006,
      'resume of an unknown session',
      async () => {
        const c = new RawClient(url());
        await c.opened;
        c.send(7, { server_id: 'g1', session_id: 'nope', token: 'x', seq_ack: 0 });
        return c;
      },
    ],
    [
      4011,
      'unknown server',
      async () => {
        const id = allocate();
        const c = new RawClient(url());
        await c.opened;
        c.send(0, { ...id, server_id: 'g-unknown' });
        return c;
      },
    ],
    [
      4012,
      'unknown protocol',
      async () => {
        const { c } = await identified();
        c.send(1, {
          protocol: 'tcp',
          data: { address: '127.0.0.1', port: 1, mode: 'aead_aes256_gcm_rtpsize' },
        });
        return c;
      },
    ],
    [
      4014,
      'member dropped',
      async () => {
        const { c, id } = await identified();
        server.control.dropMember(id.user_id);
        return c;
      },
    ],
    [
      4015,
      'voice server crashed',
      async () => {
        const { c } = await identified('crash-room');
        server.control.crash();
        return c;
      },
    ],
    [
      4016,
      'unknown encryption mode',
      async () => {
        const { c } = await identified();
        c.send(1, { protocol: 'udp', data: { address: '127.0.0.1', port: 1, mode: 'xsalsa20_poly1305' } });
        return c;
      },
    ],
    [
      4017,
      'E2EE required, max_dave_protocol_version 0',
      async () => {
        const id = allocate('e2ee');
        const c = new RawClient(url());
        await c.opened;
        c.send(0, id);
        return c;
      },
    ],
    [
      4020,
      'bad request',
      async () => {
        const { c } = await identified();
        c.send(5, { speaking: 'loud' });
        return c;
      },
    ],
    [
      4020,
      'SELECT_PROTOCOL address that is not an IP literal',
      async () => {
        const { c } = await identified();
        c.send(1, {
          protocol: 'udp',
          data: { address: 'example.com', port: 5000, mode: 'aead_aes256_gcm_rtpsize' },
        });
        return c;
      },
    ],
    [
      4020,
      'SELECT_PROTOCOL address 1.2.3.4::',
      async () => {
        const { c } = await identified();
        c.send(1, {
          protocol: 'udp',
          data: { address: '1.2.3.4::', port: 5000, mode: 'aead_aes256_gcm_rtpsize' },
        });
        return c;
      },
    ],
    [
      4021,
      'rate limited',
      async () => {
        const { c } = await identified();
        for (let i = 0; i < 40; i++) c.send(3, { t: i, seq_ack: -1 });
        return c;
      },
    ],
    [
      4022,
      'call terminated',
      async () => {
        const { c } = await identified('doomed');
        server.control.terminateCall('g1', 'doomed');
        return c;
      },
    ],
  ];
  it('a flood past the rate limit gets one 4021 and nothing after it is processed', async () => {
    const before = server.stats();
    const { c } = await identified();
    for (let i = 0; i < 60; i++) c.send(3, { t: i, seq_ack: -1 });
    expect(await c.closed).toBe(4021);
    const after = server.stats();
    expect((after.closes[4021] ?? 0) - (before.closes[4021] ?? 0)).toBe(1);
    // IDENTIFY plus 29 heartbeats fill the window of 30; the 31st message closes.
    expect(after.heartbeats - before.heartbeats).toBe(29);
  });

  for (const [code, what, run] of cases) {
    it(`closes with ${code} on ${what}`, async () => {
      const c = await run();
      expect(await c.closed).toBe(code);
    });
  }

  it('closes with 4009 when heartbeats stop', async () => {
    const s = await startVoiceServer({
      plainWs: true,
      e2ee: 'off',
      heartbeatIntervalMs: 100,
      heartbeatTimeoutMs: 150,
    });
    try {
      const { token } = s.allocate({ guildId: 'g', channelId: 'c', userId: 'u', sessionId: 's' });
      const c = new RawClient(`ws://${s.plainEndpoint}/?v=8`);
      await c.opened;
      c.send(0, { server_id: 'g', user_id: 'u', session_id: 's', token });
      expect(await c.closed).toBe(4009);
      // The session is over: a resume is refused.
      const r = new RawClient(`ws://${s.plainEndpoint}/?v=8`);
      await r.opened;
      r.send(7, { server_id: 'g', session_id: 's', token, seq_ack: -1 });
      expect(await r.closed).toBe(4006);
    } finally {
      await s.close();
    }
  });

  it('a release followed at once by an allocate for the same session is a move, not a kick', async () => {
    const { c: mover, id } = await identified('from');
    const { c: there, id: thereId } = await identified('to');
    server.release({ guildId: 'g1', userId: id.user_id, sessionId: id.session_id, channelId: 'from' });
    const again = server.allocate({
      guildId: 'g1',
      channelId: 'to',
      userId: id.user_id,
      sessionId: id.session_id,
    });
    expect(again.token).toBe(id.token);
    expect((await there.waitFor(11)).d).toEqual({ user_ids: [id.user_id] });
    expect((await mover.waitFor(11)).d).toEqual({ user_ids: [thereId.user_id] });
    // A heartbeat round trip after the move: had the move closed the socket, no ACK would come.
    mover.send(3, { t: 7, seq_ack: -1 });
    expect((await mover.waitFor(6)).d).toEqual({ t: 7 });
    expect(mover.closeCode).toBeUndefined();
    expect(server.control.members().find((m) => m.userId === id.user_id)?.channelId).toBe('to');
    mover.ws.close();
    there.ws.close();
  });

  it('a DAVE-capable identify is accepted in an E2EE channel', async () => {
    const id = allocate('e2ee');
    const c = new RawClient(url());
    await c.opened;
    c.send(0, { ...id, max_dave_protocol_version: 1 });
    expect((await c.waitFor(2)).d).toMatchObject({ ssrc: expect.any(Number), port: server.udpPort });
    // The session it gets is a DAVE one: SESSION_DESCRIPTION carries protocol version 1.
    c.send(1, { protocol: 'udp', data: { address: '127.0.0.1', port: 9, mode: 'aead_aes256_gcm_rtpsize' } });
    const sd = (await c.waitFor(4)).d as { mode: string; dave_protocol_version: number };
    expect(sd).toMatchObject({ mode: 'aead_aes256_gcm_rtpsize', dave_protocol_version: 1 });
    expect(c.closeCode).toBeUndefined();
    c.ws.close();
  });

  it('serves TLS with a certificate trusted through the exposed CA', async () => {
    const id = allocate();
    const c = new RawClient(`wss://${server.endpoint}/?v=8`, server.caPem);
    await c.opened;
    c.send(0, id);
    await c.waitFor(2);
    c.ws.close();
    const untrusted = new WebSocket(`wss://${server.endpoint}/?v=8`);
    await expect(
      new Promise((r, j) => {
        untrusted.once('open', r);
        untrusted.once('error', j);
      }),
    ).rejects.toThrow();
  });
});

describe('emulated voice gateway: faults', () => {
  it('delays frames, and expires a vanished member after sessionTimeoutMs with CLIENT_DISCONNECT', async () => {
    // Held frames are released by hand: the test proves the delay by order, not by wall time.
    const held: Array<{ fn: () => void; ms: number }> = [];
    const s = await startVoiceServer({
      plainWs: true,
      e2ee: 'off',
      sessionTimeoutMs: 200,
      frameDelayTimer: { setTimeout: (fn, ms) => held.push({ fn, ms }) },
    });
    try {
      const join = async (userId: string) => {
        const { token } = s.allocate({ guildId: 'g', channelId: 'c', userId, sessionId: `s${userId}` });
        const c = new RawClient(`ws://${s.plainEndpoint}/?v=8`);
        await c.opened;
        c.send(0, { server_id: 'g', user_id: userId, session_id: `s${userId}`, token });
        await c.waitFor(2);
        return c;
      };
      const a = await join('a');
      const b = await join('b');
      s.control.setFrameDelay(150);
      a.send(3, { t: 1, seq_ack: -1 });
      // The server handled the heartbeat: its ACK is held for 150 ms and not on the wire.
      while (held.length === 0) await new Promise((r) => setTimeout(r, 5));
      expect(held.map((h) => h.ms)).toEqual([150]);
      // Delay off: a later frame must still wait behind the held ACK (a socket never reorders).
      s.control.setFrameDelay(0);
      a.send(3, { t: 2, seq_ack: -1 });
      const ssrc = (a.json(2)[0]!.d as { ssrc: number }).ssrc;
      a.send(5, { speaking: 1, delay: 0, ssrc });
      // b hears a's SPEAKING, so the server has handled the second heartbeat too; a has no ACK yet.
      await b.waitFor(5);
      expect(a.json(6)).toEqual([]);
      held.shift()!.fn();
      await a.waitFor(6);
      while (a.json(6).length < 2) await new Promise((r) => setTimeout(r, 5));
      expect(a.json(6).map((m) => (m.d as { t: number }).t)).toEqual([1, 2]);
      b.ws.terminate();
      const gone = await a.waitFor(13, 3000);
      expect(gone.d).toEqual({ user_id: 'b' });
      a.ws.close();
    } finally {
      await s.close();
    }
  });
});

describe('emulated voice gateway: fuzzed client frames', () => {
  it('random JSON, text and bytes end in a 4xxx close or are ignored; the server keeps serving', async () => {
    const s = await startVoiceServer({ plainWs: true, e2ee: 'off' });
    try {
      const { token } = s.allocate({ guildId: 'g', channelId: 'c', userId: 'u', sessionId: 's' });
      const inputs = fc.sample(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.record({ op: fc.integer({ min: -1, max: 35 }), d: fc.anything() }).map((x) => JSON.stringify(x)),
          fc.uint8Array({ maxLength: 64 }),
        ),
        { numRuns: 150, seed: 11 },
      );
      const codes = new Map<number, number>();
      for (const input of inputs) {
        const c = new RawClient(`ws://${s.plainEndpoint}/?v=8`);
        await c.opened;
        c.send(0, { server_id: 'g', user_id: 'u', session_id: 's', token });
        await c.waitFor(2);
        c.ws.send(input);
        // A heartbeat right behind it: the server handles messages in order and ignores what
        // follows its close, so an ACK means the input was accepted or ignored, a close means not.
        const acked = new Promise<number>((resolve) => {
          const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
            if (isBinary || (JSON.parse(String(data)) as { op: number }).op !== 6) return;
            c.ws.off('message', onMessage);
            resolve(0);
          };
          c.ws.on('message', onMessage);
        });
        c.send(3, { t: -7, seq_ack: -1 });
        const code = await Promise.race([c.closed, acked]);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (code === 0) c.ws.terminate();
        await c.closed;
      }
      for (const code of codes.keys())
        expect(code === 0 || (code >= 4000 && code < 5000), `close ${code}`).toBe(true);
      expect(codes.get(4002)).toBeGreaterThan(0);
      expect(codes.get(4001)).toBeGreaterThan(0);
      expect(s.stats().invalidMessages).toBeGreaterThan(0);
      // Still serving.
      const ok = new RawClient(`ws://${s.plainEndpoint}/?v=8`);
      await ok.opened;
      ok.send(0, { server_id: 'g', user_id: 'u', session_id: 's', token });
      await ok.waitFor(2);
      ok.ws.close();
    } finally {
      await s.close();
    }
  });
});
