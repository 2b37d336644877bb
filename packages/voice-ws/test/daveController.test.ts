/**
 * The DAVE controller against an in-process external sender, with our DaveSession and davey's
 * side by side (through the adapter). Frames go through the same transforms voice-udp calls.
 * The same flows over real sockets against the emulator are in daveEmulator.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { createTransportCipher, encryptVoicePacket, VoiceReceiver } from '@cordwire/voice-udp';
import * as davey from '@snazzah/davey';
import { describe, expect, it } from 'vitest';
import { VoiceOpcodes } from '@cordwire/opcodes';
import { cordwireDaveSessionFactory, DaveNotReadyError, daveyDaveSessionFactory } from '../src/index.js';
import { carry, InProcessDaveGateway, type Member, until } from './helpers/inProcessDave.js';

const ours = cordwireDaveSessionFactory;
const theirs = daveyDaveSessionFactory(davey);

const opus = (i: number) => Uint8Array.from({ length: 60 }, (_, k) => (i * 7 + k) & 0xff);
const executed = (m: Member, t: number) =>
  new Promise<void>((resolve) => {
    const on = (info: { transitionId: number }) => {
      if (info.transitionId === t) {
        m.dave.off('transition', on);
        resolve();
      }
    };
    m.dave.on('transition', on);
  });

function allReady(members: Member[]): boolean {
  return members.every((m) => m.dave.privacyCode !== '' && m.dave.pendingTransitions.length === 0);
}

function sameGroup(members: Member[]): boolean {
  const codes = new Set(members.map((m) => m.dave.privacyCode));
  const epochs = new Set(members.map((m) => m.dave.epoch));
  return codes.size === 1 && epochs.size === 1 && !codes.has('');
}

describe('DAVE controller with an in-process external sender', () => {
  it('ours and davey form a group, agree on the privacy code and exchange frames both ways', async () => {
    const gw = new InProcessDaveGateway();
    const a = gw.join('2000000000000000001', ours);
    const b = gw.join('2000000000000000002', theirs);
    await until(() => allReady([a, b]) && sameGroup([a, b]), 'a group of two');
    expect(a.dave.privacyCode).toMatch(/^\d{30}$/);
    expect(a.dave.protocolVersion).toBe(1);
    for (let i = 0; i < 20; i++) {
      expect(carry(a, b, opus(i))).toEqual(opus(i));
      expect(carry(b, a, opus(i + 100))).toEqual(opus(i + 100));
    }
    expect(a.dave.stats.receive.get(b.userId)).toMatchObject({ decrypted: 20, failed: 0 });
    expect(b.dave.stats.receive.get(a.userId)).toMatchObject({ decrypted: 20, failed: 0 });
    // Verification codes agree on both sides.
    expect(await a.dave.getVerificationCode(b.userId)).toBe(await b.dave.getVerificationCode(a.userId));
    // op 23 went out for the transition, op 31 never.
    expect(a.json.some((j) => j.op === 23)).toBe(true);
    expect(a.json.some((j) => j.op === 31)).toBe(false);
  });

  it('a third member joins and one leaves: keys follow the roster', async () => {
    const gw = new InProcessDaveGateway();
    const a = gw.join('2000000000000000011', ours);
    const b = gw.join('2000000000000000012', theirs);
    await until(() => allReady([a, b]) && sameGroup([a, b]), 'two');
    const c = gw.join('2000000000000000013', ours);
    await until(() => allReady([a, b, c]) && sameGroup([a, b, c]), 'three');
    expect(carry(c, b, opus(1))).toEqual(opus(1));
    expect(carry(b, c, opus(2))).toEqual(opus(2));
    const before = a.dave.epoch;
    gw.leave(b.userId);
    await until(() => a.dave.epoch !== before && allReady([a, c]) && sameGroup([a, c]), 'b removed');
    expect(a.dave.members.sort()).toEqual([a.userId, c.userId].sort());
    expect(carry(a, c, opus(3))).toEqual(opus(3));
  });

  it('unencrypted frames outside a passthrough window are refused without counting failures or recovering', async () => {
    const gw = new InProcessDaveGateway();
    const a = gw.join('2000000000000000021', ours);
    const b = gw.join('2000000000000000022', ours, 3);
    await until(() => allReady([a, b]) && sameGroup([a, b]), 'two');
    // Past the post-transition grace, so failures would count toward recovery.
    gw.skewMs = 60_000;
    for (let i = 0; i < 50; i++) expect(b.dave.transform.transformInbound!(a.userId, opus(i))).toBeNull();
    const s = b.dave.stats;
    expect(s.receive.get(a.userId)).toMatchObject({ unencrypted: 50, failed: 0 });
    expect(s.recoveries).toBe(0);
    // The stream goes on: the next real frame decrypts.
    expect(carry(a, b, opus(7))).toEqual(opus(7));
  });

  it('corrupt DAVE frames are dropped one by one; past the tolerance op 31 goes out even for transition 0', async () => {
    const gw = new InProcessDaveGateway();
    gw.zeroTransitions = true;
    const a = gw.join('2000000000000000031', ours);
    const b = gw.join('2000000000000000032', ours, 5);
    await until(() => sameGroup([a, b]), 'two (transition 0)');
    expect(b.dave.lastTransitionId).toBe(0);
    gw.skewMs = 60_000;
    const good = a.dave.transform.transformOutbound!(opus(1));
    const bad = good.slice();
    bad[0]! ^= 0xff;
    for (let i = 0; i < 4; i++) expect(b.dave.transform.transformInbound!(a.userId, bad)).toBeNull();
    expect(b.dave.stats.recoveries).toBe(0);
    expect(b.dave.transform.transformInbound!(a.userId, bad)).toBeNull();
    await until(() => gw.invalid.length === 1, 'op 31');
    expect(gw.invalid[0]).toEqual({ userId: b.userId, transitionId: 0 });
    expect(b.dave.stats.receive.get(a.userId)?.failures).toEqual({ DAVE_FRAME_AUTH_FAILED: 5 });
    // The fresh key package re-adds b (remove stale leaf + add in one commit) and media flows again.
    await until(() => sameGroup([a, b]) && b.dave.stats.recoveries === 1, 'b re-added');
    await until(() => carry(a, b, opus(9)) !== null, 'frames decrypt again');
  });

  it('a Welcome that cannot be processed sends op 31 with its transition id and rejoins', async () => {
    const gw = new InProcessDaveGateway();
    const a = gw.join('2000000000000000041', ours);
    gw.corruptNextWelcome = true;
    const b = gw.join('2000000000000000042', ours);
    await until(() => gw.invalid.length === 1, 'op 31');
    // Whichever key package reached the gateway second is the one welcomed (and corrupted).
    expect([a.userId, b.userId]).toContain(gw.invalid[0]!.userId);
    expect(gw.invalid[0]!.transitionId).toBeGreaterThan(0);
    // Its fresh key package: the member in the group adds it again.
    await until(() => allReady([a, b]) && sameGroup([a, b]), 'b joined after recovery');
    expect(carry(b, a, opus(5))).toEqual(opus(5));
  });

  it('downgrade to version 0 sends plain Opus; op 24 epoch 1 upgrades again', async () => {
    const gw = new InProcessDaveGateway();
    const a = gw.join('2000000000000000051', ours);
    const b = gw.join('2000000000000000052', theirs);
    await until(() => allReady([a, b]) && sameGroup([a, b]), 'two');
    const t = gw.prepareTransition(0);
    await Promise.all([executed(a, t), executed(b, t)]);
    expect(a.dave.protocolVersion).toBe(0);
    expect(a.dave.privacyCode).toBe('');
    // Plain Opus on the wire, accepted by both implementations in passthrough.
    expect(new Uint8Array(a.dave.transform.transformOutbound!(opus(1)))).toEqual(opus(1));
    expect(carry(a, b, opus(2))).toEqual(opus(2));
    expect(carry(b, a, opus(3))).toEqual(opus(3));
    gw.prepareEpochOne();
    await until(() => allReady([a, b]) && sameGroup([a, b]) && a.dave.protocolVersion === 1, 'upgraded');
    expect(b.dave.protocolVersion).toBe(1);
    const wire = a.dave.transform.transformOutbound!(opus(4));
    expect(wire).not.toEqual(opus(4));
    expect(new Uint8Array(b.dave.transform.transformInbound!(a.userId, wire)!)).toEqual(opus(4));
  });

  it('binary ops before the session are held and replayed; silence-free frames before keys are not sent', async () => {
    const gw = new InProcessDaveGateway();
    const a = gw.join('2000000000000000061', ours);
    expect(() => a.dave.transform.transformOutbound!(opus(1))).toThrow(/no DAVE send key/);
    expect(a.dave.stats.notReady).toBe(1);
    const b = gw.join('2000000000000000062', theirs);
    await until(() => allReady([a, b]) && sameGroup([a, b]), 'two');
    expect(a.binaryOps.filter((op) => op === 26)).toHaveLength(1);
  });

  it('padded RTP (DAVE frames and a few unencrypted ones, as Discord sends) through voice-udp: no failures, no recovery, the stream goes on', async () => {
    const gw = new InProcessDaveGateway();
    const a = gw.join('2000000000000000071', theirs);
    const b = gw.join('2000000000000000072', ours, 3);
    await until(() => allReady([a, b]) && sameGroup([a, b]), 'two');
    gw.skewMs = 60_000; // outside any transition window: failures here would count toward op 31
    const key = randomBytes(32);
    const seal = createTransportCipher('aead_aes256_gcm_rtpsize', key);
    const got: Array<Uint8Array | null> = [];
    const receiver = new VoiceReceiver({
      cipher: createTransportCipher('aead_aes256_gcm_rtpsize', key),
      transform: b.dave.transform,
      playout: { depth: 1 },
      onFrame: (f) => got.push(f.opus && new Uint8Array(f.opus)),
    });
    receiver.mapSsrc(77, a.userId);
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 100; i++) {
      // Every 20th frame goes out unencrypted (a few percent, as reported), every frame padded.
      const plain = opus(i);
      const payload = i % 20 === 7 ? plain : a.dave.transform.transformOutbound!(plain);
      sent.push(plain);
      const packet = encryptVoicePacket(
        seal,
        { sequence: i, timestamp: i * 960, ssrc: 77, payloadType: 120 },
        payload,
        { paddingLength: 1 + (i % 13), extensionBody: Uint8Array.of(0x10, 0xaa, 0, 0) },
      );
      expect(receiver.handleDatagram(packet)).toMatch(/rtp|dropped/);
    }
    receiver.flush();
    const stats = b.dave.stats.receive.get(a.userId)!;
    expect(stats).toMatchObject({ decrypted: 95, unencrypted: 5, failed: 0 });
    expect(b.dave.stats.recoveries).toBe(0);
    expect(gw.invalid).toEqual([]);
    // 95 frames intact in order, the 5 refused ones are lost slots, never the end of the stream.
    expect(got).toHaveLength(100);
    got.forEach((frame, i) => {
      if (i % 20 === 7) expect(frame).toBeNull();
      else expect(frame).toEqual(sent[i]);
    });
  });

  it.each([
    ['ours', ours],
    ['davey', theirs],
  ] as const)(
    'a move to another channel (%s) drops the old group: old frames fail, nothing goes out, op 25 starts a fresh session',
    async (_name, factory) => {
      const gw = new InProcessDaveGateway();
      const a = gw.join('2000000000000000061', factory);
      const b = gw.join('2000000000000000062', ours);
      await until(() => allReady([a, b]) && sameGroup([a, b]), 'two');
      const fromB = b.dave.transform.transformOutbound!(opus(1));
      const kpBefore = a.binaryOps.filter((op) => op === VoiceOpcodes.DAVE_MLS_KEY_PACKAGE).length;
      a.dave.moveToChannel('1100000000000000002');
      expect(a.dave.privacyCode).toBe('');
      expect(a.dave.epoch).toBeNull();
      // The old group's keys are gone: B's DAVE frame no longer decrypts, plaintext is refused too.
      expect(a.dave.transform.transformInbound!(b.userId, fromB)).toBeNull();
      expect(a.dave.transform.transformInbound!(b.userId, opus(2))).toBeNull();
      expect(a.dave.stats.receive.get(b.userId)).toMatchObject({ failed: 1, unencrypted: 1 });
      // Nothing of ours leaves, encrypted or not, until the new group gives us a key.
      expect(() => a.dave.transform.transformOutbound!(opus(3))).toThrow(DaveNotReadyError);
      expect(a.dave.protocolVersion).toBe(1);
      // The new channel's op 25 starts a session for it, which sends a fresh key package.
      a.dave.binary(VoiceOpcodes.DAVE_MLS_EXTERNAL_SENDER, gw.sender.package);
      await until(
        () => a.binaryOps.filter((op) => op === VoiceOpcodes.DAVE_MLS_KEY_PACKAGE).length === kpBefore + 1,
        'a fresh key package',
      );
      expect(a.dave.stats.mlsFailures).toBe(0);
      expect(a.dave.stats.recoveries).toBe(0);
    },
  );

  it('an op 25 that arrives before we learn of the move is held, not fed to the old group', async () => {
    const gw = new InProcessDaveGateway();
    const a = gw.join('2000000000000000071', ours);
    const b = gw.join('2000000000000000072', ours);
    await until(() => allReady([a, b]) && sameGroup([a, b]), 'two');
    const kpBefore = a.binaryOps.filter((op) => op === VoiceOpcodes.DAVE_MLS_KEY_PACKAGE).length;
    a.dave.binary(VoiceOpcodes.DAVE_MLS_EXTERNAL_SENDER, gw.sender.package);
    // Still in the old group, which works on: no MLS failure, frames still flow.
    expect(carry(b, a, opus(4))).toEqual(opus(4));
    a.dave.moveToChannel('1100000000000000002');
    await until(
      () => a.binaryOps.filter((op) => op === VoiceOpcodes.DAVE_MLS_KEY_PACKAGE).length === kpBefore + 1,
      'a fresh key package at once',
    );
    expect(a.dave.stats.mlsFailures).toBe(0);
  });

  it('a move we asked for ignores an op 25 held from before it and waits for the new one', async () => {
    const gw = new InProcessDaveGateway();
    const a = gw.join('2000000000000000081', ours);
    const b = gw.join('2000000000000000082', ours);
    await until(() => allReady([a, b]) && sameGroup([a, b]), 'two');
    const keyPackages = () => a.binaryOps.filter((op) => op === VoiceOpcodes.DAVE_MLS_KEY_PACKAGE).length;
    const kpBefore = keyPackages();
    a.dave.binary(VoiceOpcodes.DAVE_MLS_EXTERNAL_SENDER, gw.sender.package);
    a.dave.moveToChannel('1100000000000000002', true);
    // B is not in the new channel: an Add for B there would not be accepted.
    expect([...a.dave.recognizedUsers]).toEqual([]);
    // No session was started on the stale op 25 (it would send its key package to the old channel).
    await expect(a.dave.getVerificationCode(b.userId)).rejects.toThrow('no DAVE session');
    expect(keyPackages()).toBe(kpBefore);
    a.dave.binary(VoiceOpcodes.DAVE_MLS_EXTERNAL_SENDER, gw.sender.package);
    await until(() => keyPackages() === kpBefore + 1, 'a key package for the new channel');
    expect(a.dave.stats.mlsFailures).toBe(0);
  });
});
