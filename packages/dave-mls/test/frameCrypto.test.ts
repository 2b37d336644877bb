import { describe, expect, it } from 'vitest';
import { AesGcmCryptor } from '../src/cryptor.js';
import { CRYPTOR_EXPIRY_MS } from '../src/cryptorManager.js';
import { isProtocolFrame, ParsedFrame, parseFrame } from '../src/frameCodec.js';
import { FrameDecryptor } from '../src/frameDecryptor.js';
import { FrameEncryptor } from '../src/frameEncryptor.js';
import { DaveFrameError, DaveFrameErrorCode } from '../src/frameErrors.js';
import { HashRatchet, type KeyRatchet } from '../src/keyRatchet.js';
import { Codec, MediaType, OPUS_SILENCE_FRAME } from '../src/media.js';
import { DaveError } from '../src/errors.js';
import { hex, loadFixture, ManualClock, toHex } from './fixtures/helpers.js';

const vectors = loadFixture('dave.json');
const HOUR = 3_600_000;

/** A ratchet whose every generation uses one fixed key, like libdave's static test ratchet. */
class StaticRatchet implements KeyRatchet {
  constructor(private readonly key: Uint8Array) {}
  getKey(): Uint8Array {
    return this.key;
  }
  deleteKey(): void {}
}

function catchFrameError(fn: () => unknown): DaveFrameError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DaveFrameError);
    expect(error).toBeInstanceOf(DaveError);
    return error as DaveFrameError;
  }
  throw new Error('expected a DaveFrameError');
}

function pair(base = hex(vectors.ratchet.baseSecret)) {
  const clock = new ManualClock();
  const encryptor = new FrameEncryptor({ clock });
  encryptor.setKeyRatchet(new HashRatchet(base));
  const decryptor = new FrameDecryptor({ clock });
  decryptor.transitionToKeyRatchet(new HashRatchet(base));
  return { clock, encryptor, decryptor };
}

describe('Opus frame KAT (dave.json opusFrame, built from the davey ratchet vector)', () => {
  it('the first frame of a fresh ratchet uses nonce 1 and matches the vector byte for byte', () => {
    const { encryptor } = pair();
    const frame = encryptor.encrypt(MediaType.AUDIO, Codec.OPUS, hex(vectors.opusFrame.plaintext));
    expect(toHex(frame)).toBe(vectors.opusFrame.frame);
  });

  it('decrypts the vector frame', () => {
    const { decryptor } = pair();
    expect(toHex(decryptor.decrypt(MediaType.AUDIO, hex(vectors.opusFrame.frame)))).toBe(
      vectors.opusFrame.plaintext,
    );
  });

  it('a 10-byte Opus payload grows to 22 bytes ending 01 0c fa fa, then nonce 2', () => {
    const { encryptor } = pair();
    const a = encryptor.encrypt(MediaType.AUDIO, Codec.OPUS, new Uint8Array(10));
    const b = encryptor.encrypt(MediaType.AUDIO, Codec.OPUS, new Uint8Array(10));
    expect(a).toHaveLength(22);
    expect(toHex(a.subarray(18))).toBe('010cfafa');
    expect(toHex(b.subarray(18))).toBe('020cfafa');
  });
});

describe('libdave SplitReconstruct frame (codec_utils_tests.cpp, MIT)', () => {
  it('parses four ranges and nonce 0 from the hand-built trailer', () => {
    const { splitReconstruct } = loadFixture('libdave-codec-ranges.json');
    const parsed = new ParsedFrame();
    expect(parseFrame(hex(splitReconstruct.frame), parsed)).toBeNull();
    expect(parsed.mediaEnd).toBe(splitReconstruct.mediaLength);
    expect(parsed.truncatedNonce).toBe(splitReconstruct.nonce);
    expect(parsed.ranges).toEqual(splitReconstruct.ranges.flat());
    expect(parsed.unencryptedBytes).toBe(40);
  });
});

describe('FrameEncryptor / FrameDecryptor', () => {
  it('round-trips frames of every size for every codec', () => {
    const { encryptor, decryptor } = pair();
    for (const codec of [Codec.OPUS, Codec.VP8, Codec.VP9, Codec.AV1, Codec.UNKNOWN]) {
      for (const size of [0, 1, 2, 3, 17, 120, 1275]) {
        const media = Uint8Array.from({ length: size }, (_, i) => (i * 7 + codec) & 0xff);
        const mediaType = codec === Codec.OPUS ? MediaType.AUDIO : MediaType.VIDEO;
        // These bytes do not parse as AV1 OBUs, so AV1 too encrypts them whole and must give them back
        // unchanged; the OBU rewrite is pinned by the next test.
        const encrypted = encryptor.encrypt(mediaType, codec, media);
        expect(toHex(decryptor.decrypt(mediaType, encrypted))).toBe(toHex(media));
      }
    }
  });

  it('AV1 decrypts to the rewritten frame: TD and padding dropped, sizes minimal, last size stripped', () => {
    // No published AV1 vector exists (research/dave.md 6); the expected bytes follow the rules of
    // research/dave.md 4 by hand, and frameDaveyRandom checks davey produces the same plaintext.
    // TD (12 00) | sequence header 0a, padded size 83 00, aabbcc | padding OBU 7a 01 ff | frame OBU
    // 36 (extension, has size) ext 40, size 03, 010203 — last, so its size bit and field go.
    const { encryptor, decryptor } = pair();
    const frame = hex(`1200${'0a8300aabbcc'}${'7a01ff'}${'3640'}03010203`);
    const encrypted = encryptor.encrypt(MediaType.VIDEO, Codec.AV1, frame);
    expect(toHex(decryptor.decrypt(MediaType.VIDEO, encrypted))).toBe('0a03aabbcc3440010203');
    // A single OBU without a size field is already in its sent form and comes back as it was.
    const single = hex(`30${'77'.repeat(20)}`);
    expect(
      toHex(decryptor.decrypt(MediaType.VIDEO, encryptor.encrypt(MediaType.VIDEO, Codec.AV1, single))),
    ).toBe(toHex(single));
  });

  it('refuses to decrypt the same frame twice', () => {
    const { encryptor, decryptor } = pair();
    const frame = encryptor.encrypt(MediaType.AUDIO, Codec.OPUS, hex('0102030405'));
    decryptor.decrypt(MediaType.AUDIO, frame);
    expect(catchFrameError(() => decryptor.decrypt(MediaType.AUDIO, frame)).code).toBe(
      DaveFrameErrorCode.REPLAYED,
    );
  });

  it('accepts out-of-order frames inside the window once each', () => {
    const { encryptor, decryptor } = pair();
    const frames = Array.from({ length: 5 }, (_, i) =>
      encryptor.encrypt(MediaType.AUDIO, Codec.OPUS, Uint8Array.of(i)),
    );
    for (const i of [0, 4, 2, 1, 3]) expect(decryptor.decrypt(MediaType.AUDIO, frames[i]!)[0]).toBe(i);
    for (const frame of frames) {
      expect(catchFrameError(() => decryptor.decrypt(MediaType.AUDIO, frame)).code).toBe(
        DaveFrameErrorCode.REPLAYED,
      );
    }
  });

  it('reports a flipped ciphertext, tag or range byte as AUTH_FAILED', () => {
    const { encryptor, decryptor } = pair();
    const frame = encryptor.encrypt(
      MediaType.VIDEO,
      Codec.VP8,
      Uint8Array.from({ length: 40 }, (_, i) => i * 2),
    );
    for (const index of [0, 5, 20, 40, 45]) {
      const forged = Uint8Array.from(frame);
      forged[index]! ^= 1;
      expect(catchFrameError(() => decryptor.decrypt(MediaType.VIDEO, forged)).code).toBe(
        DaveFrameErrorCode.AUTH_FAILED,
      );
    }
    // The genuine frame still decrypts: failures do not consume the nonce.
    expect(decryptor.decrypt(MediaType.VIDEO, frame)).toHaveLength(40);
  });

  it('isProtocolFrame tells DAVE frames from plain media', () => {
    expect(isProtocolFrame(hex(vectors.opusFrame.frame))).toBe(true);
    expect(isProtocolFrame(hex(vectors.opusFrame.plaintext))).toBe(false);
    expect(isProtocolFrame(OPUS_SILENCE_FRAME)).toBe(false);
  });

  it('names each malformed-trailer case with its own code', () => {
    const { decryptor } = pair();
    const cases: [string, string][] = [
      ['', DaveFrameErrorCode.TOO_SHORT],
      ['00112233445566778899', DaveFrameErrorCode.TOO_SHORT],
      ['0011223344556677889900aabb', DaveFrameErrorCode.NO_MARKER],
      ['00112233445566778899 0a fafa', DaveFrameErrorCode.BAD_SUPPLEMENTAL_SIZE],
      ['00112233445566778899 ff fafa', DaveFrameErrorCode.BAD_SUPPLEMENTAL_SIZE],
      ['0011223344556677 80 0c fafa', DaveFrameErrorCode.BAD_NONCE],
      ['0011223344556677 8080808010 10 fafa', DaveFrameErrorCode.BAD_NONCE],
      ['0011223344556677 01 05 0d fafa', DaveFrameErrorCode.BAD_RANGES],
      ['aabbcc 0011223344556677 01 0001 0204 11 fafa', DaveFrameErrorCode.BAD_RANGES],
      ['aabbcc 0011223344556677 01 0201 0001 11 fafa', DaveFrameErrorCode.BAD_RANGES],
      ['aabbcc 0011223344556677 01 0004 0f fafa', DaveFrameErrorCode.BAD_RANGES],
    ];
    for (const [input, code] of cases) {
      const error = catchFrameError(() => decryptor.decrypt(MediaType.VIDEO, hex(input)));
      expect([input, error.code, error.unencrypted]).toEqual([input, code, true]);
    }
  });

  it('with no ratchet installed says NO_KEY, and encrypt says ENCRYPT_NO_KEY', () => {
    const decryptor = new FrameDecryptor();
    expect(catchFrameError(() => decryptor.decrypt(MediaType.AUDIO, hex(vectors.opusFrame.frame))).code).toBe(
      DaveFrameErrorCode.NO_KEY,
    );
    const encryptor = new FrameEncryptor();
    expect(catchFrameError(() => encryptor.encrypt(MediaType.AUDIO, Codec.OPUS, Uint8Array.of(1))).code).toBe(
      DaveFrameErrorCode.ENCRYPT_NO_KEY,
    );
    expect(encryptor.stats().failures).toBe(1);
  });

  it('rejects media types other than 0 and 1', () => {
    const { encryptor, decryptor } = pair();
    expect(catchFrameError(() => decryptor.decrypt(2 as MediaType, Uint8Array.of(1))).code).toBe(
      DaveFrameErrorCode.INVALID_MEDIA_TYPE,
    );
    expect(catchFrameError(() => encryptor.encrypt(-1 as MediaType, Codec.OPUS, Uint8Array.of(1))).code).toBe(
      DaveFrameErrorCode.INVALID_MEDIA_TYPE,
    );
  });

  it('passes the Opus silence frame through both ways, even with passthrough off', () => {
    const { encryptor, decryptor } = pair();
    expect(encryptor.encrypt(MediaType.AUDIO, Codec.OPUS, OPUS_SILENCE_FRAME)).toBe(OPUS_SILENCE_FRAME);
    expect(decryptor.decrypt(MediaType.AUDIO, OPUS_SILENCE_FRAME)).toBe(OPUS_SILENCE_FRAME);
    // Video frames with the same bytes are not special.
    expect(catchFrameError(() => decryptor.decrypt(MediaType.VIDEO, OPUS_SILENCE_FRAME)).code).toBe(
      DaveFrameErrorCode.TOO_SHORT,
    );
  });

  it('passthrough: unencrypted frames allowed forever, then for 10 s more after it is turned off', () => {
    const { clock, decryptor, encryptor } = pair();
    const plain = hex('0102030405060708090a0b0c');
    expect(decryptor.canPassthrough()).toBe(false);
    expect(catchFrameError(() => decryptor.decrypt(MediaType.AUDIO, plain)).unencrypted).toBe(true);
    decryptor.transitionToPassthroughMode(true);
    clock.advance(1_000_000 * HOUR);
    expect(decryptor.decrypt(MediaType.AUDIO, plain)).toBe(plain);
    decryptor.transitionToPassthroughMode(false);
    clock.advance(CRYPTOR_EXPIRY_MS - 1);
    expect(decryptor.decrypt(MediaType.AUDIO, plain)).toBe(plain);
    // Encrypted frames still decrypt during the window.
    expect(
      toHex(decryptor.decrypt(MediaType.AUDIO, encryptor.encrypt(MediaType.AUDIO, Codec.OPUS, plain))),
    ).toBe(toHex(plain));
    clock.advance(1);
    expect(catchFrameError(() => decryptor.decrypt(MediaType.AUDIO, plain)).code).toBe(
      DaveFrameErrorCode.NO_MARKER,
    );
    expect(decryptor.stats().passthroughs).toBe(2);

    encryptor.setPassthroughMode(true);
    expect(encryptor.encrypt(MediaType.AUDIO, Codec.OPUS, plain)).toBe(plain);
    expect(encryptor.stats().passthroughs).toBe(1);
  });

  it('epoch transition: the old ratchet keeps decrypting for 10 s, the new one from the start', () => {
    const clock = new ManualClock();
    const oldKey = hex(vectors.ratchet.baseSecret);
    const newKey = hex('000102030405060708090a0b0c0d0e0f');
    const oldSender = new FrameEncryptor({ clock });
    oldSender.setKeyRatchet(new HashRatchet(oldKey));
    const newSender = new FrameEncryptor({ clock });
    newSender.setKeyRatchet(new HashRatchet(newKey));
    const decryptor = new FrameDecryptor({ clock });
    decryptor.transitionToKeyRatchet(new HashRatchet(oldKey));
    const late = [1, 2].map((i) => oldSender.encrypt(MediaType.AUDIO, Codec.OPUS, Uint8Array.of(i)));
    decryptor.transitionToKeyRatchet(new HashRatchet(newKey));
    expect(decryptor.ratchetCount).toBe(2);
    expect(
      decryptor.decrypt(MediaType.AUDIO, newSender.encrypt(MediaType.AUDIO, Codec.OPUS, Uint8Array.of(9)))[0],
    ).toBe(9);
    clock.advance(CRYPTOR_EXPIRY_MS);
    expect(decryptor.decrypt(MediaType.AUDIO, late[0]!)[0]).toBe(1);
    clock.advance(1);
    // Past the window the old epoch's manager is gone; the newest reports why it cannot decrypt.
    expect(catchFrameError(() => decryptor.decrypt(MediaType.AUDIO, late[1]!)).code).toBe(
      DaveFrameErrorCode.AUTH_FAILED,
    );
    expect(decryptor.ratchetCount).toBe(1);
  });

  it('an old epoch expires 10 s after it is first superseded, however many transitions follow', () => {
    const clock = new ManualClock();
    const keys = Array.from({ length: 100 }, (_, i) => new Uint8Array(16).fill(i + 1));
    const decryptor = new FrameDecryptor({ clock });
    const first = new FrameEncryptor({ clock });
    first.setKeyRatchet(new HashRatchet(keys[0]!));
    decryptor.transitionToKeyRatchet(new HashRatchet(keys[0]!));
    const late = [1, 2].map((i) => first.encrypt(MediaType.AUDIO, Codec.OPUS, Uint8Array.of(i)));
    // A sender who never speaks while the gateway commits every 4 s: epochs must not pile up.
    for (let epoch = 1; epoch < keys.length; epoch++) {
      decryptor.transitionToKeyRatchet(new HashRatchet(keys[epoch]!));
      expect(decryptor.ratchetCount).toBeLessThanOrEqual(4);
      if (epoch === 1) {
        clock.advance(4_000);
        continue;
      }
      if (epoch === 2) {
        clock.advance(CRYPTOR_EXPIRY_MS - 4_000);
        // Exactly 10 s after epoch 0 was superseded, despite the transition at 4 s.
        expect(decryptor.decrypt(MediaType.AUDIO, late[0]!)[0]).toBe(1);
        clock.advance(1);
        expect(catchFrameError(() => decryptor.decrypt(MediaType.AUDIO, late[1]!)).code).toBe(
          DaveFrameErrorCode.AUTH_FAILED,
        );
        continue;
      }
      clock.advance(4_000);
    }
    expect(decryptor.ratchetCount).toBeLessThanOrEqual(4);
  });

  it('the sender frame is AES-128-GCM of generation 0 with nonce 1, tag truncated to 8 bytes', () => {
    const clock = new ManualClock();
    const base = hex(vectors.ratchet.baseSecret);
    const ratchet = new HashRatchet(base);
    const encryptor = new FrameEncryptor({ clock });
    encryptor.setKeyRatchet(ratchet);
    // Reach the nonce counter's edge through the public API only: encrypt, then compare with a
    // direct cryptor built for the expected generation.
    const frame = encryptor.encrypt(MediaType.AUDIO, Codec.OPUS, Uint8Array.of(1, 2, 3));
    expect(ratchet.cachedGenerations).toEqual([0]);
    const parsed = new ParsedFrame();
    expect(parseFrame(frame, parsed)).toBeNull();
    expect(parsed.truncatedNonce).toBe(1);
    const direct = new AesGcmCryptor(new HashRatchet(base).getKey(0));
    const tag = new Uint8Array(8);
    const ciphertext = new Uint8Array(3);
    direct.encrypt(1, Uint8Array.of(1, 2, 3), null, ciphertext, 0, tag, 0);
    expect(toHex(ciphertext)).toBe(toHex(frame.subarray(0, 3)));
    expect(toHex(tag)).toBe(toHex(frame.subarray(3, 11)));
  });

  it('a decryptor accepts generation 1 once the ratchet is old enough, keyed by generation', () => {
    const clock = new ManualClock();
    const base = hex(vectors.ratchet.baseSecret);
    const decryptor = new FrameDecryptor({ clock });
    decryptor.transitionToKeyRatchet(new HashRatchet(base));
    const key1 = new HashRatchet(base).getKey(1);
    const nonce = 2 ** 24 + 5;
    const tag = new Uint8Array(8);
    const ciphertext = new Uint8Array(1);
    new AesGcmCryptor(key1).encrypt(nonce, Uint8Array.of(42), null, ciphertext, 0, tag, 0);
    const frame = Uint8Array.from([...ciphertext, ...tag, 0x85, 0x80, 0x80, 0x08, 15, 0xfa, 0xfa]);
    expect(catchFrameError(() => decryptor.decrypt(MediaType.AUDIO, frame)).code).toBe(
      DaveFrameErrorCode.GENERATION_TOO_EARLY,
    );
    clock.advance(28 * HOUR);
    expect(decryptor.decrypt(MediaType.AUDIO, frame)[0]).toBe(42);
  });

  it("counts successes, failures and attempts like davey's stats", () => {
    const { encryptor, decryptor } = pair();
    const frame = encryptor.encrypt(MediaType.AUDIO, Codec.OPUS, Uint8Array.of(1));
    decryptor.decrypt(MediaType.AUDIO, frame);
    expect(() => decryptor.decrypt(MediaType.AUDIO, frame)).toThrow(DaveFrameError);
    expect(decryptor.stats(MediaType.AUDIO)).toMatchObject({ successes: 1, failures: 1, attempts: 1 });
    expect(encryptor.stats(MediaType.AUDIO)).toMatchObject({ successes: 1, attempts: 1, maxAttempts: 1 });
    expect(decryptor.stats(MediaType.VIDEO).successes).toBe(0);
  });

  it("decrypts with the sender's static key regardless of generation (libdave static ratchet pattern)", () => {
    const key = hex('00112233445566778899aabbccddeeff');
    const encryptor = new FrameEncryptor();
    encryptor.setKeyRatchet(new StaticRatchet(key));
    const decryptor = new FrameDecryptor();
    decryptor.transitionToKeyRatchet(new StaticRatchet(key));
    const media = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    expect(
      toHex(decryptor.decrypt(MediaType.AUDIO, encryptor.encrypt(MediaType.AUDIO, Codec.OPUS, media))),
    ).toBe(toHex(media));
  });
});
