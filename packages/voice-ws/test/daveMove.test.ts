/**
 * Moving inside a guild with DAVE on, over real sockets against the emulator: the voice session
 * stays, the MLS group does not (its id is the channel id). The mover must leave the old group's
 * keys behind, join the new channel's group and be heard there, and the old group goes on without it.
 */
import type { VoiceServer } from '@cordwire/emulator';
import * as davey from '@snazzah/davey';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DaveSessionFactory,
  daveyDaveSessionFactory,
  type VoiceConnection,
  type VoiceConnectionOptions,
} from '../src/index.js';
import {
  collectFrameIndexes,
  fastClock,
  inOneGroup,
  joinOverWs,
  syntheticFrame,
  voiceServer,
  waitFor,
} from './helpers/harness.js';

const GUILD = '100';
const ONE = '201';
const TWO = '202';
const [A, B, C, D] = ['11', '12', '13', '14'];

describe('moving a DAVE connection to another channel of the guild', () => {
  let server: VoiceServer | undefined;
  const conns: VoiceConnection[] = [];
  afterEach(async () => {
    for (const c of conns.splice(0)) c.destroy();
    await server?.close();
    server = undefined;
  });

  const clock = fastClock(4);
  function join(userId: string, channelId: string, extra: Partial<VoiceConnectionOptions> = {}) {
    const conn = joinOverWs(server!, {
      guildId: GUILD,
      channelId,
      userId,
      sendClock: clock,
      ...extra,
    });
    conns.push(conn);
    return conn;
  }
  const frames = (start: number, n: number) => Array.from({ length: n }, (_, i) => syntheticFrame(start + i));
  const range = (start: number, n: number) => Array.from({ length: n }, (_, i) => start + i);

  /** `speaker` plays n frames from `start` and every listener hears all of them, in order. */
  async function heard(speaker: VoiceConnection, start: number, n: number, ...listeners: number[][]) {
    const before = listeners.map((l) => l.length);
    await speaker.play(frames(start, n));
    await waitFor(
      () => listeners.every((l, k) => l.length - before[k]! >= n),
      10_000,
      `${n} frames from ${start}`,
    );
    for (const [k, l] of listeners.entries()) expect(l.slice(before[k])).toEqual(range(start, n));
  }

  async function moveScenario(moverSession?: DaveSessionFactory) {
    server = await voiceServer({ e2ee: 'required' });
    const a = join(A, ONE, moverSession ? { dave: { createSession: moverSession } } : {});
    const b = join(B, ONE);
    const d = join(D, ONE);
    const c = join(C, TWO);
    await Promise.all([a.ready(), b.ready(), c.ready(), d.ready()]);
    // C is alone in channel 2: no group with anyone yet.
    await waitFor(() => inOneGroup([a, b, d]), 15_000, 'A, B and D in one group');
    const oneCode = a.voicePrivacyCode;

    const bFromA = collectFrameIndexes(b, A);
    const cFromA = collectFrameIndexes(c, A);
    const aFromC = collectFrameIndexes(a, C);
    const aFromB = collectFrameIndexes(a, B);
    const dFromB = collectFrameIndexes(d, B);
    await heard(a, 0, 20, bFromA);

    // A moves to channel 2, where C is: one shared code there, and the two hear each other.
    expect(a.moveTo(TWO)).toBe(true);
    await waitFor(() => inOneGroup([a, c]), 15_000, 'A and C in one group');
    expect(a.channelId).toBe(TWO);
    expect(a.daveProtocolVersion).toBe(1);
    expect(a.voicePrivacyCode).not.toBe(oneCode);
    expect(await a.getVerificationCode(C)).toBe(await c.getVerificationCode(A));
    await heard(a, 100, 30, cFromA);
    await heard(c, 200, 30, aFromC);
    // B and D go on without A: a new epoch of their own, and B is heard by D only.
    await waitFor(() => inOneGroup([b, d]) && b.voicePrivacyCode !== oneCode, 15_000, 'B and D regrouped');
    expect(b.voicePrivacyCode).not.toBe(a.voicePrivacyCode);
    const aHeardBBefore = aFromB.length;
    await heard(b, 300, 20, dFromB);
    expect(aFromB.length).toBe(aHeardBBefore);
    expect(bFromA.every((i) => i < 20)).toBe(true);
    // Nothing A received from the old channel after leaving it decrypted, and no recovery was needed.
    expect(a.daveStats?.recoveries).toBe(0);
    expect(a.daveStats?.mlsFailures).toBe(0);

    // And back: A rejoins channel 1's group and is heard there, C's group goes on alone.
    expect(a.moveTo(ONE)).toBe(true);
    await waitFor(() => inOneGroup([a, b, d]), 15_000, 'A back with B and D');
    expect(a.voicePrivacyCode).not.toBe(c.voicePrivacyCode);
    await heard(a, 400, 20, bFromA);
    await heard(b, 500, 20, aFromB, dFromB);
    expect(cFromA.every((i) => i < 400)).toBe(true);
    expect(a.daveStats?.recoveries).toBe(0);
    expect(a.daveStats?.mlsFailures).toBe(0);
    expect(a.daveStats?.sentUnencrypted).toBe(0);
  }

  it('our DAVE session: A leaves B and D for C and comes back, E2EE the whole way', async () => {
    await moveScenario();
  });

  it('a davey-backed mover does the same', async () => {
    await moveScenario(daveyDaveSessionFactory(davey));
  });
});
