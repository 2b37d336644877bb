/**
 * DAVE end to end over real sockets: our connections (with dave-mls, or with davey through the
 * adapter) against the emulator acting as the external sender, in channels that require E2EE.
 */
import type { VoiceServer } from '@cordwire/emulator';
import * as davey from '@snazzah/davey';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cordwireDaveSessionFactory,
  type DaveSessionFactory,
  type DaveTransitionInfo,
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
const CHANNEL = '200';

describe('DAVE against the emulator', () => {
  let server: VoiceServer | undefined;
  const conns: VoiceConnection[] = [];
  afterEach(async () => {
    for (const c of conns.splice(0)) c.destroy();
    await server?.close();
    server = undefined;
  });

  const clock = fastClock(4);
  function join(userId: string, extra: Partial<VoiceConnectionOptions> = {}): VoiceConnection {
    const conn = joinOverWs(server!, {
      guildId: GUILD,
      channelId: CHANNEL,
      userId,
      sendClock: clock,
      ...extra,
    });
    conns.push(conn);
    return conn;
  }
  it('ours and a davey-backed connection negotiate DAVE v1 and hear each other in plain Opus', async () => {
    server = await voiceServer({ e2ee: 'required' });
    const a = join('1');
    const b = join('2', { dave: { createSession: daveyDaveSessionFactory(davey) } });
    await Promise.all([a.ready(), b.ready()]);
    await waitFor(() => inOneGroup([a, b]), 10_000, 'one E2EE group');
    expect(a.daveProtocolVersion).toBe(1);
    expect(a.voicePrivacyCode).toMatch(/^\d{30}$/);
    expect(await a.getVerificationCode('2')).toBe(await b.getVerificationCode('1'));
    const atB = collectFrameIndexes(b, '1');
    const atA = collectFrameIndexes(a, '2');
    const frames = Array.from({ length: 100 }, (_, i) => syntheticFrame(i));
    await Promise.all([a.play(frames), b.play(frames)]);
    await waitFor(() => atB.length >= 100 && atA.length >= 100, 10_000, 'frames both ways');
    expect(atB).toEqual(frames.map((_, i) => i));
    expect(atA).toEqual(frames.map((_, i) => i));
    expect(a.daveStats?.receive.get('2')).toMatchObject({ decrypted: 100, failed: 0 });
    expect(b.daveStats?.receive.get('1')).toMatchObject({ decrypted: 100, failed: 0 });
    expect(a.daveStats?.encrypted).toBe(100);
  });

  it('told not to offer DAVE, our client gets 4017 in a required channel as a fatal E2EERequiredError', async () => {
    server = await voiceServer({ e2ee: 'required' });
    const a = join('1', { dave: false });
    const err = await a.ready().then(
      () => undefined,
      (e: Error & { code?: string; closeCode?: number }) => e,
    );
    expect(err?.name).toBe('E2EERequiredError');
    expect(err?.code).toBe('E2EE_REQUIRED');
    expect(err?.closeCode).toBe(4017);
    expect(err?.message).toMatch(/requires E2EE .*did not offer it.*dave: false/);
    expect(a.state).toMatchObject({ status: 'disconnected', reason: 'closed', closeCode: 4017 });
  });

  it('downgrade then upgrade: a member without DAVE joins an optional channel and leaves again', async () => {
    server = await voiceServer({ e2ee: 'optional' });
    const a = join('1');
    const b = join('2', { dave: { createSession: daveyDaveSessionFactory(davey) } });
    await Promise.all([a.ready(), b.ready()]);
    await waitFor(() => inOneGroup([a, b]), 10_000, 'E2EE group');
    const transitions: DaveTransitionInfo[] = [];
    a.on('daveTransition', (t) => transitions.push(t));
    const c = join('3', { dave: false });
    await c.ready();
    await waitFor(() => a.daveProtocolVersion === 0 && b.daveProtocolVersion === 0, 10_000, 'downgrade');
    expect(a.voicePrivacyCode).toBe('');
    // Everyone hears everyone in plain transport-encrypted Opus.
    const atC = collectFrameIndexes(c, '1');
    const atA = collectFrameIndexes(a, '3');
    const frames = Array.from({ length: 50 }, (_, i) => syntheticFrame(i));
    await Promise.all([a.play(frames), c.play(frames)]);
    await waitFor(() => atC.length >= 50 && atA.length >= 50, 10_000, 'plain frames');
    c.destroy();
    await waitFor(() => a.daveProtocolVersion === 1 && inOneGroup([a, b]), 10_000, 'upgrade');
    expect(transitions.map((t) => t.protocolVersion)).toContain(0);
    expect(transitions.at(-1)?.protocolVersion).toBe(1);
    const atB = collectFrameIndexes(b, '1');
    await a.play(frames);
    await waitFor(() => atB.length >= 50, 10_000, 'encrypted frames after the upgrade');
    expect(a.daveStats?.encrypted).toBeGreaterThanOrEqual(50);
  });

  /** Play `n` numbered frames from `from` and wait until `to` has them all (after any loss in a window). */
  async function heard(
    from: VoiceConnection,
    fromId: string,
    to: VoiceConnection,
    n = 50,
  ): Promise<number[]> {
    const got = collectFrameIndexes(to, fromId);
    const frames = Array.from({ length: n }, (_, i) => syntheticFrame(i));
    await from.play(frames);
    await waitFor(() => got.length >= n, 10_000, `${n} frames from ${fromId}`);
    return got;
  }

  it('op 31 recovery: a Welcome we cannot process is reported with its transition id and we are re-added', async () => {
    server = await voiceServer({ e2ee: 'required' });
    const a = join('1');
    const b = join('2');
    await Promise.all([a.ready(), b.ready()]);
    await waitFor(() => inOneGroup([a, b]), 10_000, 'E2EE group');
    const before = a.voicePrivacyCode;
    const recoveries: Array<{ transitionId: number }> = [];
    b.on('daveRecovery', (r) => recoveries.push(r));
    // A Welcome that is not one (as from a broken or hostile gateway), for transition 77.
    server.control.sendBinary('2', 30, Uint8Array.of(0, 77, 1, 2, 3, 4));
    await waitFor(() => recoveries.length === 1, 10_000, 'op 31');
    expect(recoveries[0]!.transitionId).toBe(77);
    expect(b.daveStats?.recoveries).toBe(1);
    // The emulator removed the stale leaf and added the fresh key package: a new epoch for both.
    await waitFor(() => inOneGroup([a, b]) && a.voicePrivacyCode !== before, 10_000, 'b re-added');
    expect(await heard(a, '1', b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await heard(b, '2', a)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('transition id 0 recovery: a commit for transition 0 that fails still sends op 31 (not skipped)', async () => {
    server = await voiceServer({ e2ee: 'required' });
    const a = join('1');
    const b = join('2', { dave: { createSession: daveyDaveSessionFactory(davey) } });
    const c = join('3');
    await Promise.all([a.ready(), b.ready(), c.ready()]);
    await waitFor(() => inOneGroup([a, b, c]), 10_000, 'E2EE group of three');
    const before = a.voicePrivacyCode;
    const recoveries: Array<{ transitionId: number }> = [];
    a.on('daveRecovery', (r) => recoveries.push(r));
    server.control.sendBinary('1', 29, Uint8Array.of(0, 0, 0, 1, 0, 1, 9, 9, 9));
    await waitFor(() => recoveries.length === 1, 10_000, 'op 31 for transition 0');
    expect(recoveries[0]!.transitionId).toBe(0);
    const seen = server.control.dave(GUILD, CHANNEL);
    expect(seen?.members.map((m) => m.userId).sort()).toEqual(['1', '2', '3']);
    await waitFor(() => inOneGroup([a, b, c]) && a.voicePrivacyCode !== before, 10_000, 'a re-added');
    expect(await heard(b, '2', a)).toHaveLength(50);
    expect(await heard(a, '1', c)).toHaveLength(50);
  });

  it('epoch-1 reset: op 24 re-creates the group, every member rejoins it and media keeps flowing', async () => {
    server = await voiceServer({ e2ee: 'required' });
    const a = join('1');
    const b = join('2', { dave: { createSession: daveyDaveSessionFactory(davey) } });
    await Promise.all([a.ready(), b.ready()]);
    await waitFor(() => inOneGroup([a, b]), 10_000, 'E2EE group');
    const before = a.voicePrivacyCode;
    const epochBefore = server.control.dave(GUILD, CHANNEL)!.epoch;
    server.control.resetDaveGroup(GUILD, CHANNEL);
    await waitFor(() => inOneGroup([a, b]) && a.voicePrivacyCode !== before, 10_000, 'new group');
    // A new group starts again at epoch 1 on the server's side.
    expect(server.control.dave(GUILD, CHANNEL)!.epoch).toBeLessThanOrEqual(epochBefore);
    expect(a.daveStats?.recoveries).toBe(0);
    expect(await heard(a, '1', b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await heard(b, '2', a)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('sole-member reset: the last member executes transition 0 at once, and the next joiner forms a new group with it', async () => {
    server = await voiceServer({ e2ee: 'required' });
    const a = join('1');
    const b = join('2');
    await Promise.all([a.ready(), b.ready()]);
    await waitFor(() => inOneGroup([a, b]), 10_000, 'E2EE group');
    const transitions: DaveTransitionInfo[] = [];
    a.on('daveTransition', (t) => transitions.push(t));
    b.destroy();
    await waitFor(() => transitions.some((t) => t.transitionId === 0), 10_000, 'transition 0 (sole member)');
    expect(transitions.find((t) => t.transitionId === 0)?.protocolVersion).toBe(1);
    const c = join('3', { dave: { createSession: daveyDaveSessionFactory(davey) } });
    await c.ready();
    await waitFor(() => inOneGroup([a, c]), 10_000, 'a new group with the joiner');
    expect(await heard(c, '3', a)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await heard(a, '1', c)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // The op 23 answer is never sent for transition 0: the server saw no complaint from us.
    expect(server.stats().daveRejected ?? {}).toEqual({});
  });

  it('decrypt failures in a group created with transition 0 start op 31 with transition 0 (discord.js skipped it)', async () => {
    server = await voiceServer({ e2ee: 'required', daveNewGroupTransitionZero: true });
    // Sender '1' runs our session behind a wrapper that can corrupt its DAVE frames on demand.
    let corrupt = false;
    const corrupting: DaveSessionFactory = (version, userId, channelId) => {
      const inner = cordwireDaveSessionFactory(version, userId, channelId);
      return new Proxy(inner, {
        get(target, prop) {
          if (prop === 'encryptOpus')
            return (frame: Uint8Array) => {
              const out = Uint8Array.from(target.encryptOpus(frame));
              if (corrupt) out[0]! ^= 0xff;
              return out;
            };
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    };
    const a = join('1', { dave: { createSession: corrupting } });
    const b = join('2');
    const executed: number[] = [];
    b.on('daveTransition', (t) => executed.push(t.transitionId));
    await Promise.all([a.ready(), b.ready()]);
    await waitFor(() => inOneGroup([a, b]), 10_000, 'a group created with transition 0');
    expect(executed).toEqual([0]);
    const recoveries: Array<{ transitionId: number; reason: string }> = [];
    b.on('daveRecovery', (r) => recoveries.push(r));
    corrupt = true;
    const frames = () => Array.from({ length: 1000 }, (_, i) => syntheticFrame(i));
    void a.play(frames());
    await waitFor(() => recoveries.length > 0, 15_000, 'op 31 after consecutive failures');
    a.stopPlaying();
    corrupt = false;
    expect(recoveries[0]!.transitionId).toBe(0);
    expect(recoveries[0]!.reason).toMatch(/36 consecutive decrypt failures \(DAVE_FRAME_AUTH_FAILED\)/);
    expect(b.daveStats?.receive.get('1')?.failures.DAVE_FRAME_AUTH_FAILED).toBeGreaterThanOrEqual(36);
    // The emulator re-adds b from its fresh key package; media decrypts again.
    await waitFor(() => inOneGroup([a, b]) && executed.length > 1, 10_000, 'b re-added');
    expect(await heard(a, '1', b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
