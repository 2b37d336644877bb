// Property tests: whatever bytes arrive, decrypt returns a frame no longer than its input or throws a
// DaveFrameError; encrypt/decrypt round-trips every codec; codec splitting never throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutboundFrame, processFrame } from '../src/codecs/index.js';
import { ParsedFrame, parseFrame } from '../src/frameCodec.js';
import { FrameDecryptor } from '../src/frameDecryptor.js';
import { FrameEncryptor } from '../src/frameEncryptor.js';
import { DaveFrameError, DaveFrameErrorCode } from '../src/frameErrors.js';
import { HashRatchet } from '../src/keyRatchet.js';
import { LEB128_MAX_BYTES, leb128Size, readLeb128, writeLeb128 } from '../src/leb128.js';
import { Codec, MediaType } from '../src/media.js';
import { ManualClock, rewrittenFrame, toHex } from './fixtures/helpers.js';

const BASE = new Uint8Array(16).fill(0x5a);
const codecArb = fc.constantFrom(
  Codec.UNKNOWN,
  Codec.OPUS,
  Codec.VP8,
  Codec.VP9,
  Codec.H264,
  Codec.H265,
  Codec.AV1,
);
const mediaTypeArb = fc.constantFrom(MediaType.AUDIO, MediaType.VIDEO);

function decryptSafely(decryptor: FrameDecryptor, mediaType: MediaType, frame: Uint8Array): void {
  try {
    const out = decryptor.decrypt(mediaType, frame);
    expect(out.length).toBeLessThanOrEqual(frame.length);
  } catch (error) {
    if (!(error instanceof DaveFrameError)) throw error;
  }
}

/** Random bytes ending in a plausible size byte and the marker: exercises the early trailer checks. */
const trailerish = fc
  .tuple(
    fc.uint8Array({ maxLength: 64 }),
    fc.uint8Array({ minLength: 8, maxLength: 8 }),
    fc.uint8Array({ maxLength: 12 }),
    fc.integer({ min: 0, max: 255 }),
  )
  .map(([media, tag, middle, size]) => Uint8Array.from([...media, ...tag, ...middle, size, 0xfa, 0xfa]));

type RangeDamage = 'none' | 'outOfBounds' | 'overlap' | 'unsorted';

/**
 * A DAVE frame built field by field (research/dave.md 4): media, 8-byte tag, ULEB128 nonce, ULEB128
 * (offset, size) pairs, the supplemental size byte, 0xFAFA. Half the range lists are valid (ascending,
 * disjoint, inside the media); the rest are pushed past the media, made to overlap or put out of order.
 * One nonce in ten is wider than 32 bits and one size byte in ten is skewed.
 */
interface StructuredFrame {
  frame: Uint8Array;
  mediaLength: number;
  nonce: number;
  ranges: number[];
  damage: RangeDamage;
  /** The size byte is the true trailer size: the parse outcome is fully predictable. */
  exactSize: boolean;
}

const structuredFrame: fc.Arbitrary<StructuredFrame> = fc
  .uint8Array({ maxLength: 64 })
  .chain((media) =>
    fc.record({
      media: fc.constant(media),
      tag: fc.uint8Array({ minLength: 8, maxLength: 8 }),
      nonce: fc.oneof(
        { weight: 9, arbitrary: fc.nat({ max: 0xffffffff }) },
        { weight: 1, arbitrary: fc.integer({ min: 2 ** 32, max: 2 ** 40 }) },
      ),
      points: fc.array(fc.nat({ max: media.length }), { maxLength: 12 }),
      damage: fc.constantFrom<RangeDamage>('none', 'none', 'none', 'outOfBounds', 'overlap', 'unsorted'),
      bump: fc.integer({ min: 1, max: 20 }),
      sizeSkew: fc.oneof(
        { weight: 9, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: -12, max: 12 }) },
      ),
    }),
  )
  .map(({ media, tag, nonce, points, damage, bump, sizeSkew }) => {
    // Sorted cut points paired up give ascending, disjoint ranges inside the media.
    const cuts = [...points].sort((a, b) => a - b);
    const pairs: [number, number][] = [];
    for (let i = 0; i + 1 < cuts.length; i += 2) pairs.push([cuts[i]!, cuts[i + 1]! - cuts[i]!]);
    const last = pairs.at(-1);
    if (damage === 'outOfBounds') {
      if (last) last[1] = media.length - last[0] + bump;
      else pairs.push([media.length, bump]);
    } else if (damage === 'overlap' && pairs.length >= 2) {
      // Start the second range before the first one ends (impossible when the first ends at 0).
      const firstEnd = pairs[0]![0] + pairs[0]![1];
      if (firstEnd > 0) pairs[1]![0] = Math.max(0, firstEnd - bump);
    } else if (damage === 'unsorted') {
      pairs.reverse();
    }
    const ranges = pairs.flat();
    const trailer = new Uint8Array(8 + LEB128_MAX_BYTES * (1 + ranges.length) + 3);
    trailer.set(tag, 0);
    let at = writeLeb128(nonce, trailer, 8);
    for (const value of ranges) at = writeLeb128(value, trailer, at);
    const trueSize = at + 3;
    trailer[at] = Math.min(255, Math.max(0, trueSize + sizeSkew));
    trailer[at + 1] = 0xfa;
    trailer[at + 2] = 0xfa;
    const frame = new Uint8Array(media.length + trueSize);
    frame.set(media, 0);
    frame.set(trailer.subarray(0, trueSize), media.length);
    return { frame, mediaLength: media.length, nonce, ranges, damage, exactSize: trailer[at] === trueSize };
  });

/** libdave ValidateUnencryptedRanges: ascending, non-overlapping, ending inside the media part. */
function rangesValid(ranges: number[], mediaLength: number): boolean {
  let previousEnd = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    if (ranges[i]! < previousEnd || ranges[i]! + ranges[i + 1]! > mediaLength) return false;
    previousEnd = ranges[i]! + ranges[i + 1]!;
  }
  return true;
}

describe('decrypt never throws anything but DaveFrameError', () => {
  it('random bytes, random media types, passthrough on or off', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          trailerish,
          structuredFrame.map((c) => c.frame),
        ),
        mediaTypeArb,
        fc.boolean(),
        (frame, mediaType, passthrough) => {
          const decryptor = new FrameDecryptor();
          decryptor.transitionToKeyRatchet(new HashRatchet(BASE));
          if (passthrough) decryptor.transitionToPassthroughMode(true);
          decryptSafely(decryptor, mediaType, frame);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('mutations of genuine frames of every codec (flips, truncation, extension) fail typed and leave the decryptor working', () => {
    const seen = { failedTyped: 0, unchanged: 0 };
    fc.assert(
      fc.property(
        codecArb,
        fc.uint8Array({ maxLength: 120 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
        fc.integer({ min: -20, max: 5 }),
        (codec, media, flips, resize) => {
          const clock = new ManualClock();
          const encryptor = new FrameEncryptor({ clock });
          encryptor.setKeyRatchet(new HashRatchet(BASE));
          const decryptor = new FrameDecryptor({ clock });
          decryptor.transitionToKeyRatchet(new HashRatchet(BASE));
          const frame = Uint8Array.from(encryptor.encrypt(MediaType.VIDEO, codec, media));
          const mutated = new Uint8Array(Math.max(0, frame.length + resize));
          mutated.set(frame.subarray(0, mutated.length));
          for (const [at, mask] of flips) if (mutated.length > 0) mutated[at % mutated.length]! ^= mask;
          const same = mutated.length === frame.length && mutated.every((b, i) => b === frame[i]);
          if (same) {
            // Flips that cancel out and no resize: the genuine frame, which must decrypt.
            expect(decryptor.decrypt(MediaType.VIDEO, mutated).length).toBeLessThanOrEqual(frame.length);
            seen.unchanged++;
            return;
          }
          let error: unknown;
          try {
            decryptor.decrypt(MediaType.VIDEO, mutated);
          } catch (caught) {
            error = caught;
          }
          expect(error).toBeInstanceOf(DaveFrameError);
          seen.failedTyped++;
          // A failed mutant consumes nothing: the genuine frame still decrypts.
          expect(decryptor.decrypt(MediaType.VIDEO, frame).length).toBeLessThanOrEqual(frame.length);
        },
      ),
      { numRuns: 1000 },
    );
    // Most runs change the frame; the typed-failure assertion must not go vacuous.
    expect(seen.failedTyped).toBeGreaterThanOrEqual(800);
    expect(seen.failedTyped + seen.unchanged).toBe(1000);
  });
});

describe('round trips and codec splitting', () => {
  it('encrypt then decrypt gives back the (normalised) frame for any codec and bytes', () => {
    let roundTrips = 0;
    let encryptFailures = 0;
    fc.assert(
      fc.property(
        codecArb,
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 }),
        (codec, frames) => {
          const encryptor = new FrameEncryptor();
          encryptor.setKeyRatchet(new HashRatchet(BASE));
          const decryptor = new FrameDecryptor();
          decryptor.transitionToKeyRatchet(new HashRatchet(BASE));
          const split = new OutboundFrame();
          for (const media of frames) {
            const mediaType = codec === Codec.OPUS ? MediaType.AUDIO : MediaType.VIDEO;
            let encrypted: Uint8Array;
            try {
              encrypted = encryptor.encrypt(mediaType, codec, media);
            } catch (error) {
              // Only a pathological H.26x frame may exhaust its 10 attempts.
              expect(error).toBeInstanceOf(DaveFrameError);
              expect((error as DaveFrameError).code).toBe(DaveFrameErrorCode.ENCRYPT_TOO_MANY_ATTEMPTS);
              expect([Codec.H264, Codec.H265]).toContain(codec);
              encryptFailures++;
              continue;
            }
            roundTrips++;
            const decrypted = decryptor.decrypt(mediaType, encrypted);
            processFrame(codec, media, split);
            // Every frame: the receiver gets the input back, or for the codecs that rewrite clear
            // headers (H.26x start codes, AV1 OBU sizes) exactly the split's rewritten frame.
            const rewrites = codec === Codec.H264 || codec === Codec.H265 || codec === Codec.AV1;
            expect(toHex(decrypted)).toBe(toHex(rewrites ? rewrittenFrame(split) : media));
          }
        },
      ),
      { numRuns: 500 },
    );
    // 500 runs of 1 to 5 frames (measured about 1450 frames, none refused): the checks above must see
    // real round trips, not frames skipped by a throw.
    expect(roundTrips).toBeGreaterThanOrEqual(1000);
    expect(encryptFailures).toBeLessThanOrEqual(roundTrips / 100);
  });

  it('codec splitting never throws and its ranges are ascending and inside the frame', () => {
    const structured = fc
      .array(
        fc.oneof(
          fc.constant(Uint8Array.of(0, 0, 1)),
          fc.constant(Uint8Array.of(0, 0, 0, 1)),
          fc.uint8Array({ maxLength: 8 }),
        ),
        { maxLength: 12 },
      )
      .map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));
    fc.assert(
      fc.property(codecArb, fc.oneof(fc.uint8Array({ maxLength: 100 }), structured), (codec, media) => {
        const split = new OutboundFrame();
        processFrame(codec, media, split);
        let end = 0;
        for (let i = 0; i < split.ranges.length; i += 2) {
          expect(split.ranges[i]!).toBeGreaterThanOrEqual(end);
          end = split.ranges[i]! + split.ranges[i + 1]!;
        }
        expect(end).toBeLessThanOrEqual(split.length);
        expect(split.unencryptedLength + split.encryptedLength).toBe(split.length);
        // Start codes are 4 bytes at most one per 3 input bytes: bounded growth.
        expect(split.length).toBeLessThanOrEqual(media.length + Math.ceil(media.length / 3) + 4);
      }),
      { numRuns: 2000 },
    );
  });

  it('parseFrame reads well-formed trailers exactly and rejects bad nonces and ranges', () => {
    const seen = { parsedWithRanges: 0, badRanges: 0, badNonce: 0, skewedSize: 0 };
    const rejectedByDamage: Record<RangeDamage, number> = {
      none: 0,
      outOfBounds: 0,
      overlap: 0,
      unsorted: 0,
    };
    fc.assert(
      fc.property(structuredFrame, ({ frame, mediaLength, nonce, ranges, damage, exactSize }) => {
        const parsed = new ParsedFrame();
        const failure = parseFrame(frame, parsed);
        if (failure === null) {
          // Whatever the size byte said, accepted ranges lie inside the media part it implies.
          expect(parsed.mediaEnd).toBeLessThanOrEqual(frame.length - 11);
          for (let i = 0; i < parsed.ranges.length; i += 2) {
            expect(parsed.ranges[i]! + parsed.ranges[i + 1]!).toBeLessThanOrEqual(parsed.mediaEnd);
          }
        }
        if (!exactSize) {
          seen.skewedSize++;
          return;
        }
        if (nonce > 0xffffffff) {
          expect(failure).toBe(DaveFrameErrorCode.BAD_NONCE);
          seen.badNonce++;
        } else if (!rangesValid(ranges, mediaLength)) {
          expect(failure).toBe(DaveFrameErrorCode.BAD_RANGES);
          seen.badRanges++;
          rejectedByDamage[damage]++;
        } else {
          expect(failure).toBeNull();
          expect(parsed.mediaEnd).toBe(mediaLength);
          expect(parsed.truncatedNonce).toBe(nonce);
          expect(parsed.ranges).toEqual(ranges);
          expect(parsed.unencryptedBytes).toBe(ranges.reduce((n, v, i) => (i % 2 ? n + v : n), 0));
          if (ranges.length > 0) seen.parsedWithRanges++;
        }
      }),
      { numRuns: 2000 },
    );
    // Measured about 850 / 500 / 190 / 190 of 2000: the checks above must never go vacuous again.
    expect(seen.parsedWithRanges).toBeGreaterThanOrEqual(300);
    expect(seen.badRanges).toBeGreaterThanOrEqual(200);
    expect(seen.badNonce).toBeGreaterThanOrEqual(50);
    expect(seen.skewedSize).toBeGreaterThanOrEqual(50);
    // Each kind of damage was caught (valid lists never are: rangesValid agrees with the generator).
    expect(rejectedByDamage.none).toBe(0);
    for (const kind of ['outOfBounds', 'overlap', 'unsorted'] as const)
      expect(rejectedByDamage[kind]).toBeGreaterThanOrEqual(30);
  });

  it('ULEB128 round-trips safe integers and rejects overlong input', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (value) => {
        const buf = new Uint8Array(10);
        const end = writeLeb128(value, buf, 0);
        expect(end).toBe(leb128Size(value));
        const cursor = { offset: 0 };
        expect(readLeb128(buf, 0, end, cursor)).toBe(value);
        expect(cursor.offset).toBe(end);
        expect(readLeb128(buf, 0, end - 1, cursor)).toBe(-1);
      }),
    );
    expect(readLeb128(new Uint8Array(11).fill(0x80), 0, 11, { offset: 0 })).toBe(-1);
  });
});
