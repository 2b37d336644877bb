/**
 * Suite 3: DAVE media frames per second (120-byte Opus frame), encrypt and decrypt, against
 * davey. Each round encrypts a batch of fresh frames and then decrypts that batch on the
 * receiving side (DAVE rejects replays, so every decrypted frame must be new).
 * Each side is a real two-member MLS group of its own sessions (same external sender code); a
 * mixed group first proves that each decrypts the other's frames, so both do the same work.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DaveyMember } from '../anchors/davey.js';
import type { MlsMember } from '../dave/mlsMember.js';
import { ExternalSender } from '../dave/externalSender.js';
import type { FramePair } from '../dave/mlsMember.js';
import { CHANNEL_ID } from '../dave/mlsScenario.js';
import { interleaveRecords } from '../harness.js';
import { OurMember } from '../ours/daveMls.js';
import type { Suite } from '../suite.js';

const OPUS_FRAME_BYTES = 120;
/** DAVE adds 8 (tag) + ULEB128 nonce + 1 (size) + 2 (magic) to a frame with no clear ranges. */
const TRAILER_BYTES = { min: 12, max: 16 } as const;

/** How our side runs AES-128-GCM: OpenSSL, with node:crypto's per-call setup on every frame. */
const OUR_CIPHER = 'ours: node:crypto aes-128-gcm, one cipher object per frame';

const SENDER_ID = '123456789012345001';
const RECEIVER_ID = '123456789012345002';

/** A two-member group: `a` commits adding `b`, `b` joins from the Welcome. */
async function twoMemberGroup(sender: ExternalSender, a: MlsMember, b: MlsMember): Promise<void> {
  const out = await a.processProposals(sender.add(a.epoch(), [await b.keyPackage()]), [a.userId, b.userId]);
  if (!out.commit || !out.welcome) throw new Error('no commit/welcome for a two-member group');
  await a.processCommit(out.commit);
  await b.processWelcome(out.welcome);
}

function daveyPair(): Promise<FramePair> {
  const sender = new ExternalSender(CHANNEL_ID);
  const a = new DaveyMember(SENDER_ID, CHANNEL_ID, sender.serialized);
  const b = new DaveyMember(RECEIVER_ID, CHANNEL_ID, sender.serialized);
  return twoMemberGroup(sender, a, b).then(() => ({
    encrypt: (frame) => a.session.encryptOpus(frame as Buffer),
    decrypt: (frame) => b.session.decrypt(a.userId, 0, frame as Buffer),
  }));
}

async function ourPair(): Promise<FramePair> {
  const sender = new ExternalSender(CHANNEL_ID);
  const a = await OurMember.create(SENDER_ID, CHANNEL_ID, sender.serialized);
  const b = await OurMember.create(RECEIVER_ID, CHANNEL_ID, sender.serialized);
  await twoMemberGroup(sender, a, b);
  return {
    encrypt: (frame) => a.session.encryptOpus(frame),
    decrypt: (frame) => b.session.decrypt(a.userId, 0, frame),
  };
}

/** Same work, proven: in one mixed group davey decrypts our frames and we decrypt davey's. */
async function crossCheck(opus: Uint8Array): Promise<void> {
  const sender = new ExternalSender(CHANNEL_ID);
  const davey = new DaveyMember(SENDER_ID, CHANNEL_ID, sender.serialized);
  const ours = await OurMember.create(RECEIVER_ID, CHANNEL_ID, sender.serialized);
  await twoMemberGroup(sender, davey, ours);
  const toOurs = ours.session.decrypt(SENDER_ID, 0, davey.session.encryptOpus(Buffer.from(opus)));
  const toDavey = davey.session.decrypt(RECEIVER_ID, 0, Buffer.from(ours.session.encryptOpus(opus)));
  if (!sameBytes(toOurs, opus) || !sameBytes(toDavey, opus))
    throw new Error('ours and davey do not decrypt each other');
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function roundOf(pair: FramePair, opus: Buffer, frames: number) {
  return async () => {
    const encrypted: Uint8Array[] = new Array(frames);
    let start = performance.now();
    for (let i = 0; i < frames; i++) encrypted[i] = pair.encrypt(opus);
    const encryptMs = performance.now() - start;
    let last: Uint8Array = new Uint8Array(0);
    start = performance.now();
    for (let i = 0; i < frames; i++) last = pair.decrypt(encrypted[i]!);
    const decryptMs = performance.now() - start;
    if (!sameBytes(last, opus)) throw new Error('DAVE round trip returned different bytes');
    return { encrypt: (frames * 1000) / encryptMs, decrypt: (frames * 1000) / decryptMs };
  };
}

export const daveFramesSuite: Suite = {
  name: 'dave-frames',
  async run(ctx) {
    const opus = Buffer.from(randomBytes(OPUS_FRAME_BYTES));
    await crossCheck(opus);
    const ours = await ourPair();
    const davey = await daveyPair();
    const sizes: string[] = [];
    for (const [name, pair] of [
      ['ours', ours],
      ['davey', davey],
    ] as const) {
      const frame = pair.encrypt(opus);
      const trailer = frame.length - opus.length;
      if (trailer < TRAILER_BYTES.min || trailer > TRAILER_BYTES.max) {
        throw new Error(`${name}: DAVE frame is ${frame.length} bytes for ${opus.length} in`);
      }
      if (!sameBytes(pair.decrypt(frame), opus)) throw new Error(`${name}: DAVE frame does not round-trip`);
      sizes.push(`${name} ${frame.length} B`);
    }
    const frames = ctx.quick ? 10_000 : 50_000;
    ctx.log(`dave-frames: ${ctx.rounds} rounds of ${frames} frames`);
    const result = await interleaveRecords(
      roundOf(ours, opus, frames),
      roundOf(davey, opus, frames),
      ctx.rounds,
    );
    return (['encrypt', 'decrypt'] as const).map((op) => ({
      suite: 'dave-frames',
      metric: `DAVE ${op}, 120 B Opus frame`,
      unit: 'frames/s',
      better: 'higher' as const,
      ours: result[op].ours,
      anchor: result[op].anchor,
      anchorName: '@snazzah/davey (Rust, napi)',
      target: { kind: 'ratio' as const, min: 1.0 },
      notes:
        op === 'encrypt'
          ? `DaveSession.encryptOpus on both sides; ${OUR_CIPHER}; first frame ${sizes.join(', ')}`
          : `DaveSession.decrypt on both sides; ${OUR_CIPHER}; frames cross-checked ours ↔ davey`,
    }));
  },
};
