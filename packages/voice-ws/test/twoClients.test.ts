import { afterEach, describe, expect, it } from 'vitest';
import type { VoiceServer } from '@cordwire/emulator';
import { joinVoiceChannel, type VoiceConnection } from '../src/index.js';
import {
  fastClock,
  frameIndex,
  joinOverWs,
  syntheticFrame,
  testAdapter,
  voiceServer,
  waitFor,
} from './helpers/harness.js';

const GUILD = '100';
const CHANNEL = '200';

describe('two of our clients in one emulated channel', () => {
  let server: VoiceServer | undefined;
  const conns: VoiceConnection[] = [];
  afterEach(async () => {
    for (const c of conns.splice(0)) c.destroy();
    await server?.close();
  });

  it('10 s of Opus frames from A reach B complete and in order on a clean link', async () => {
    server = await voiceServer();
    const clock = fastClock(4);
    const a = joinOverWs(server, {
      dave: false,
      guildId: GUILD,
      channelId: CHANNEL,
      userId: '1',
      sendClock: clock,
    });
    const b = joinOverWs(server, {
      dave: false,
      guildId: GUILD,
      channelId: CHANNEL,
      userId: '2',
      sendClock: clock,
    });
    conns.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    await waitFor(() => a.connectedUsers.has('2') && b.connectedUsers.has('1'), 5000, 'CLIENTS_CONNECT');
    expect(a.daveProtocolVersion).toBe(0);
    const got: number[] = [];
    let lost = 0;
    b.on('frame', (f) => {
      if (f.userId !== '1') return;
      if (f.opus === null) lost++;
      else {
        const i = frameIndex(f.opus);
        if (i !== undefined) got.push(i);
      }
    });
    const frames = Array.from({ length: 500 }, (_, i) => syntheticFrame(i));
    await a.play(frames);
    await waitFor(() => got.length >= 500, 10_000, 'all frames at B');
    expect(got).toEqual(frames.map((_, i) => i));
    expect(lost).toBe(0);
    expect(b.playoutStats('1')?.lost).toBe(0);
  });
});

describe('impaired link and server faults', () => {
  let server: VoiceServer | undefined;
  const conns: VoiceConnection[] = [];
  afterEach(async () => {
    for (const c of conns.splice(0)) c.destroy();
    await server?.close();
  });

  async function pair(s: VoiceServer) {
    const clock = fastClock(4);
    const a = joinOverWs(s, {
      dave: false,
      guildId: GUILD,
      channelId: CHANNEL,
      userId: '1',
      sendClock: clock,
    });
    const b = joinOverWs(s, {
      dave: false,
      guildId: GUILD,
      channelId: CHANNEL,
      userId: '2',
      sendClock: clock,
    });
    conns.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    const got: number[] = [];
    const lostSlots = { n: 0 };
    b.on('frame', (f) => {
      if (f.userId !== '1') return;
      if (f.opus === null) lostSlots.n++;
      else {
        const i = frameIndex(f.opus);
        if (i !== undefined) got.push(i);
      }
    });
    return { a, b, got, lostSlots };
  }

  it('with 5% loss and reordering, B delivers in order and its loss counter matches what was dropped', async () => {
    server = await voiceServer();
    const { a, b, got, lostSlots } = await pair(server);
    // A clean head and tail: a receiver can only see a gap between two packets it got, so a
    // loss of the very first or very last packet is undetectable by design.
    await a.play(Array.from({ length: 10 }, (_, i) => syntheticFrame(i)));
    server.control.setNetwork({ loss: 0.05, reorder: 0.05, seed: 7 });
    await a.play(Array.from({ length: 500 }, (_, i) => syntheticFrame(10 + i)));
    server.control.setNetwork({});
    await a.play(Array.from({ length: 20 }, (_, i) => syntheticFrame(510 + i)));
    await waitFor(() => got.includes(529), 10_000, 'tail frames at B');
    const link = server.control.linkCounters('2');
    expect(link?.dropped).toBeGreaterThan(10);
    expect(link?.reordered).toBeGreaterThan(10);
    // In order, no duplicates.
    for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1]!);
    const stats = b.playoutStats('1');
    expect(stats?.lost).toBe(link?.dropped);
    expect(lostSlots.n).toBe(link?.dropped);
    expect(stats?.late).toBe(0);
    expect(stats?.reordered).toBeGreaterThan(0);
  });

  it('with jitter only, every slot is either delivered in order or declared lost and later counted late', async () => {
    server = await voiceServer();
    const { a, b, got, lostSlots } = await pair(server);
    let delivered = 0;
    b.on('frame', (f) => {
      if (f.userId === '1' && f.opus) delivered++;
    });
    await a.play(Array.from({ length: 5 }, (_, i) => syntheticFrame(i)));
    server.control.setNetwork({ jitterMs: 14, seed: 3 });
    await a.play(Array.from({ length: 200 }, (_, i) => syntheticFrame(5 + i)));
    server.control.setNetwork({});
    await a.play(Array.from({ length: 20 }, (_, i) => syntheticFrame(205 + i)));
    // 225 frames plus 5 silence frames after each of the three spurts.
    const slots = 225 + 15;
    await waitFor(() => delivered + lostSlots.n >= slots, 10_000, 'every slot accounted for');
    expect(delivered + lostSlots.n).toBe(slots);
    for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1]!);
    expect(server.control.linkCounters('2')?.delayed).toBeGreaterThan(50);
    // Nothing was dropped on the wire, so every slot given up as lost must have shown up late.
    const stats = b.playoutStats('1')!;
    expect(stats.lost).toBe(lostSlots.n);
    await waitFor(() => b.playoutStats('1')!.late === lostSlots.n, 2000, 'late arrivals');
  });

  it('a voice server crash (4015) mid-stream: both resume and audio continues', async () => {
    server = await voiceServer();
    const { a, b, got } = await pair(server);
    const states: string[] = [];
    a.on('stateChange', (_, n) => states.push(n.status));
    const playing = a.play(Array.from({ length: 400 }, (_, i) => syntheticFrame(i)));
    await waitFor(() => got.length >= 100, 10_000, '100 frames before the crash');
    server.control.crash({ udpDownMs: 40 });
    await waitFor(() => server!.stats().resumes >= 2, 10_000, 'both clients resumed');
    const atResume = got.length;
    await playing;
    await waitFor(() => got.includes(399), 10_000, 'the last frame after the crash');
    expect(got.length).toBeGreaterThan(atResume);
    expect(server.stats().closes[4015]).toBe(2);
    expect(states).toContain('connecting');
    expect(a.state.status).toBe('ready');
    expect(b.state.status).toBe('ready');
    // Resumed, not re-identified: no new allocation, same ssrc, no rejoin.
    expect(a.stats.rejoins).toBe(0);
    for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1]!);
  });
});

describe('seams', () => {
  let server: VoiceServer | undefined;
  const conns: VoiceConnection[] = [];
  afterEach(async () => {
    for (const c of conns.splice(0)) c.destroy();
    await server?.close();
  });

  it('the frame hook runs between Opus and transport encryption on both sides (where DAVE goes)', async () => {
    server = await voiceServer();
    const clock = fastClock(4);
    const scramble = (f: Uint8Array) => f.map((x) => x ^ 0x55);
    let outbound = 0;
    const a = joinOverWs(server, {
      dave: false,
      guildId: GUILD,
      channelId: CHANNEL,
      userId: '1',
      sendClock: clock,
      frameTransform: {
        transformOutbound: (f) => {
          outbound++;
          return scramble(f);
        },
      },
    });
    const b = joinOverWs(server, {
      dave: false,
      guildId: GUILD,
      channelId: CHANNEL,
      userId: '2',
      sendClock: clock,
      frameTransform: { transformInbound: (_user, f) => scramble(f) },
    });
    conns.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    const got: number[] = [];
    b.on('frame', (f) => {
      const i = f.opus && frameIndex(f.opus);
      if (typeof i === 'number') got.push(i);
    });
    await a.play(Array.from({ length: 20 }, (_, i) => syntheticFrame(i)));
    await waitFor(() => got.length >= 20, 5000, 'frames through the hook');
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Silence frames bypass the hook: only the 20 real frames went through it.
    expect(outbound).toBe(20);
  });

  it('plays an async source (a stream of Opus packets) in order', async () => {
    server = await voiceServer();
    const clock = fastClock(4);
    const a = joinOverWs(server, {
      dave: false,
      guildId: GUILD,
      channelId: CHANNEL,
      userId: '1',
      sendClock: clock,
    });
    const b = joinOverWs(server, {
      dave: false,
      guildId: GUILD,
      channelId: CHANNEL,
      userId: '2',
      sendClock: clock,
    });
    conns.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    const got: number[] = [];
    b.on('frame', (f) => {
      const i = f.opus && frameIndex(f.opus);
      if (typeof i === 'number') got.push(i);
    });
    async function* source() {
      for (let i = 0; i < 120; i++) {
        if (i % 40 === 0) await new Promise((r) => setTimeout(r, 5));
        yield syntheticFrame(i);
      }
    }
    await a.play(source());
    await waitFor(() => got.length >= 120, 5000, 'all frames from the async source');
    expect(got).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });

  it('a channel that requires E2EE refuses max_dave_protocol_version 0 with a clear error (4017, no loop)', async () => {
    server = await voiceServer({ e2ee: 'required' });
    const adapter = testAdapter(server, { userId: '1' });
    const a = joinVoiceChannel({
      guildId: GUILD,
      channelId: CHANNEL,
      adapterCreator: adapter.creator,
      scheme: 'ws',
      sendClock: fastClock(20),
      dave: false,
    });
    conns.push(a);
    const err = await a.ready().then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(err?.code).toBe('E2EE_REQUIRED');
    expect(err?.message).toMatch(/this channel requires E2EE/);
    expect(a.state).toMatchObject({ status: 'disconnected', reason: 'closed', closeCode: 4017 });
    expect(adapter.sent).toHaveLength(1);
  });
});
