// Property tests: whatever bytes arrive, decrypt returns a frame no longer than its input or throws a
// DaveFrameError; encrypt/decrypt round-trips every codec; codec splitting never throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutboundFrame, processFrame } from '../src/codecs/index.js';
import { ParsedFrame, parseFrame } from '../src/frameCodec.js';
import { FrameDecryptor } from '../src/frameDecryptor.js';
import { FrameEncryptor } from '../src/frameEncryptor.js';
import { DaveFrameError } from '../src/frameErrors.js';
import { HashRatchet } from '../src/keyRatchet.js';
import { readLeb128, writeLeb128, leb128Size } from '../src/leb128.js';
import { Codec, MediaType } from '../src/media.js';
import { ManualClock } from './fixtures/helpers.js';

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

/** Bytes that look like a DAVE trailer often enough to reach the deeper checks. */
const trailerish = fc
  .tuple(
    fc.uint8Array({ maxLength: 64 }),
    fc.uint8Array({ minLength: 8, maxLength: 8 }),
    fc.uint8Array({ maxLength: 12 }),
    fc.integer({ min: 0, max: 255 }),
  )
  .map(([media, tag, middle, size]) => Uint8Array.from([...media, ...tag, ...middle, size, 0xfa, 0xfa]));

describe('decrypt never throws anything but DaveFrameError', () => {
  it('random bytes, random media types, passthrough on or off', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 200 }), trailerish),
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
          decryptSafely(decryptor, MediaType.VIDEO, mutated);
          // The genuine frame still decrypts unless the mutant was identical to it.
          const same = mutated.length === frame.length && mutated.every((b, i) => b === frame[i]);
          if (!same)
            expect(decryptor.decrypt(MediaType.VIDEO, frame).length).toBeLessThanOrEqual(frame.length);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('round trips and codec splitting', () => {
  it('encrypt then decrypt gives back the (normalised) frame for any codec and bytes', () => {
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
              continue;
            }
            const decrypted = decryptor.decrypt(mediaType, encrypted);
            processFrame(codec, media, split);
            expect(decrypted.length).toBe(split.length);
            if (split.ranges.length === 0 && split.length === media.length && mediaType === MediaType.VIDEO) {
              expect(Buffer.from(decrypted).equals(Buffer.from(media))).toBe(true);
            }
            if (
              codec === Codec.OPUS &&
              !(media.length === 3 && media[0] === 0xf8 && media[1] === 0xff && media[2] === 0xfe)
            ) {
              expect(Buffer.from(decrypted).equals(Buffer.from(media))).toBe(true);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
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

  it('parseFrame only accepts ranges inside the media part', () => {
    fc.assert(
      fc.property(trailerish, (frame) => {
        const parsed = new ParsedFrame();
        if (parseFrame(frame, parsed) !== null) return;
        expect(parsed.mediaEnd).toBeLessThanOrEqual(frame.length - 11);
        for (let i = 0; i < parsed.ranges.length; i += 2) {
          expect(parsed.ranges[i]! + parsed.ranges[i + 1]!).toBeLessThanOrEqual(parsed.mediaEnd);
        }
      }),
      { numRuns: 2000 },
    );
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
