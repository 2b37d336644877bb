/**
 * DAVE end to end over real sockets: our connections (with dave-mls, or with davey through the
 * adapter) against the emulator acting as the external sender, in channels that require E2EE.
 */
import type { VoiceServer } from '@cordwire/emulator';
import * as davey from '@snazzah/davey';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DaveTransitionInfo,
  daveyDaveSessionFactory,
  joinVoiceChannel,
  type VoiceConnection,
  type VoiceConnectionOptions,
} from '../src/index.js';
import {
  fastClock,
  frameIndex,
  syntheticFrame,
  testAdapter,
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
    const conn = joinVoiceChannel({
      guildId: GUILD,
      channelId: CHANNEL,
      adapterCreator: testAdapter(server!, { userId }).creator,
      scheme: 'ws',
      sendClock: clock,
      ...extra,
    });
    conns.push(conn);
    return conn;
  }
  const inOneGroup = (cs: VoiceConnection[]) =>
    cs.every((c) => c.voicePrivacyCode !== '' && c.voicePrivacyCode === cs[0]!.voicePrivacyCode);

  function collect(conn: VoiceConnection, from: string): number[] {
    const got: number[] = [];
    conn.on('frame', (f) => {
      const i = f.userId === from && f.opus ? frameIndex(f.opus) : undefined;
      if (i !== undefined) got.push(i);
    });
    return got;
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
    const atB = collect(b, '1');
    const atA = collect(a, '2');
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
    const atC = collect(c, '1');
    const atA = collect(a, '3');
    const frames = Array.from({ length: 50 }, (_, i) => syntheticFrame(i));
    await Promise.all([a.play(frames), c.play(frames)]);
    await waitFor(() => atC.length >= 50 && atA.length >= 50, 10_000, 'plain frames');
    c.destroy();
    await waitFor(() => a.daveProtocolVersion === 1 && inOneGroup([a, b]), 10_000, 'upgrade');
    expect(transitions.map((t) => t.protocolVersion)).toContain(0);
    expect(transitions.at(-1)?.protocolVersion).toBe(1);
    const atB = collect(b, '1');
    await a.play(frames);
    await waitFor(() => atB.length >= 50, 10_000, 'encrypted frames after the upgrade');
    expect(a.daveStats?.encrypted).toBeGreaterThanOrEqual(50);
  });
});
