/**
 * Suite 3: DAVE media frames per second (120-byte Opus frame), encrypt and decrypt, against
 * davey. Each round encrypts a batch of fresh frames and then decrypts that batch on the
 * receiving side (DAVE rejects replays, so every decrypted frame must be new).
 * davey's frames come from a real two-member MLS group; ours from the same per-sender secret
 * on both sides, which is what an MLS epoch hands the frame layer (the frame work is identical).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DaveyMember } from '../anchors/davey.js';
import { ExternalSender } from '../dave/externalSender.js';
import type { FramePair } from '../dave/mlsMember.js';
import { CHANNEL_ID } from '../dave/mlsScenario.js';
import { interleaveRecords } from '../harness.js';
import { loadOurFramePair } from '../ours/daveMls.js';
import { notMeasuredRow, type Suite } from '../suite.js';

const OPUS_FRAME_BYTES = 120;
/** DAVE adds 8 (tag) + ULEB128 nonce + 1 (size) + 2 (magic) to a frame with no clear ranges. */
const TRAILER_BYTES = { min: 12, max: 16 } as const;

function daveyPair(): FramePair {
  const sender = new ExternalSender(CHANNEL_ID);
  const a = new DaveyMember('123456789012345001', CHANNEL_ID, sender.serialized);
  const b = new DaveyMember('123456789012345002', CHANNEL_ID, sender.serialized);
  const out = a.processProposals(sender.add(0n, [b.keyPackage()]), [a.userId, b.userId]);
  if (!out.commit || !out.welcome) throw new Error('davey: no commit/welcome');
  a.processCommit(out.commit);
  b.processWelcome(out.welcome);
  if (!a.session.ready || !b.session.ready) throw new Error('davey sessions not ready');
  return {
    encrypt: (frame) => a.session.encryptOpus(frame as Buffer),
    decrypt: (frame) => b.session.decrypt(a.userId, 0, frame as Buffer),
  };
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
    const ours = await loadOurFramePair(randomBytes(16));
    if (typeof ours === 'string')
      return [notMeasuredRow('dave-frames', 'DAVE Opus frames encrypt/decrypt', ours)];
    const davey = daveyPair();
    const opus = Buffer.from(randomBytes(OPUS_FRAME_BYTES));
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
          ? `ours: FrameEncryptor.encrypt; anchor: DAVESession.encryptOpus; first frame ${sizes.join(', ')}`
          : 'ours: FrameDecryptor.decrypt; anchor: DAVESession.decrypt',
    }));
  },
};
