import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encryptedFrameHasStartCode, OutboundFrame, processFrame } from '../src/codecs/index.js';
import { FrameDecryptor } from '../src/frameDecryptor.js';
import { FrameEncryptor, MAX_ENCRYPT_ATTEMPTS } from '../src/frameEncryptor.js';
import { DaveFrameError, DaveFrameErrorCode } from '../src/frameErrors.js';
import { HashRatchet } from '../src/keyRatchet.js';
import { Codec, MediaType } from '../src/media.js';
import { hex, loadFixture, rewrittenFrame, toHex } from './fixtures/helpers.js';

const vectors = loadFixture('libdave-codec-ranges.json');

function split(codec: Codec, frameHex: string) {
  const out = new OutboundFrame();
  processFrame(codec, hex(frameHex), out);
  return out;
}

function pairs(ranges: number[]): number[][] {
  const result: number[][] = [];
  for (let i = 0; i < ranges.length; i += 2) result.push([ranges[i]!, ranges[i + 1]!]);
  return result;
}

describe('unencrypted ranges: libdave codec_utils_tests.cpp vectors (MIT)', () => {
  // These tests, and the round trips at the end, are generated from the fixture: an emptied or cut
  // fixture must fail here rather than leave less to run.
  it('has all 8 H.264 and 5 H.265 libdave vectors', () => {
    expect(vectors.h264).toHaveLength(8);
    expect(vectors.h265).toHaveLength(5);
  });

  for (const vector of vectors.h264) {
    it(`H.264 ${vector.name}`, () => {
      expect(pairs(split(Codec.H264, vector.frame).ranges)).toEqual(vector.ranges);
    });
  }
  for (const vector of vectors.h265) {
    it(`H.265 ${vector.name}`, () => {
      expect(pairs(split(Codec.H265, vector.frame).ranges)).toEqual(vector.ranges);
    });
  }

  it('H.264 3-byte start codes are rewritten as 4-byte ones in the clear header', () => {
    const vector = vectors.h264.find((v: { name: string }) => v.name === 'H264ThreeByteShortCodeExtension');
    const out = split(Codec.H264, vector.frame);
    expect(toHex(out.unencrypted.subarray(0, out.unencryptedLength))).toBe(vector.rewrittenHeader);
    expect(out.encryptedLength + out.unencryptedLength).toBe(out.length);
  });

  it('Opus keeps nothing clear', () => {
    const out = split(Codec.OPUS, vectors.opus.frame);
    expect(out.ranges).toEqual([]);
    expect(out.encryptedLength).toBe(76);
  });
});

describe('unencrypted ranges: VP8, VP9, AV1 (rules of research/dave.md 4; no published vectors)', () => {
  it('VP8 key frame keeps 10 bytes clear, delta frame 1', () => {
    expect(split(Codec.VP8, '10'.repeat(20)).ranges).toEqual([0, 10]);
    expect(split(Codec.VP8, '11'.repeat(20)).ranges).toEqual([0, 1]);
    expect(split(Codec.VP8, '10'.repeat(4)).ranges).toEqual([0, 4]);
  });

  it('VP9 encrypts everything', () => {
    expect(split(Codec.VP9, '00'.repeat(30)).ranges).toEqual([]);
  });

  it('AV1 keeps headers and minimal sizes clear, drops TD/padding, strips the last OBU size', () => {
    // temporal delimiter (type 2, has size, 0) | sequence header (type 1, has size, size padded as 83 00) |
    // padding OBU (type 15) | frame OBU (type 6, extension, has size 3) — last, so its size goes.
    const frame = '1200' + '0a8300aabbcc' + '7a01ff' + '3640' + '03' + '010203';
    const out = split(Codec.AV1, frame);
    // header 0a, size 03 (re-encoded minimally), 3 payload bytes; then header 34 (size bit cleared), ext 40.
    expect(toHex(out.unencrypted.subarray(0, out.unencryptedLength))).toBe('0a033440');
    expect(pairs(out.ranges)).toEqual([
      [0, 2],
      [5, 2],
    ]);
    expect(toHex(out.encrypted.subarray(0, out.encryptedLength))).toBe('aabbcc010203');
    expect(out.length).toBe(10);
  });

  it('AV1 that does not parse is encrypted whole', () => {
    for (const bad of ['12', '0a05aabb', '0aff']) {
      const out = split(Codec.AV1, bad);
      expect(out.ranges).toEqual([]);
      expect(out.encryptedLength).toBe(bad.length / 2);
    }
  });

  it('truncated slice headers and 1-byte NAL units stay inside their unit (davey 0.1.12 panics here)', () => {
    // Slice whose Exp-Golomb values run off the end: the whole unit stays clear, nothing past it.
    expect(split(Codec.H264, '000000016100').ranges).toEqual([0, 6]);
    // Slice header running into the next NAL unit: clamped at the next start code.
    expect(split(Codec.H264, '00000001610000000165b8ab').ranges).toEqual([0, 11]);
    // H.265 unit of one byte before the next start code.
    const h265 = split(Codec.H265, '00000102000001020100ab');
    expect(h265.ranges).toEqual([0, 11]);
    expect(toHex(h265.unencrypted.subarray(0, 11))).toBe('0000000102000000010201');
    for (const [codec, frame] of [
      [Codec.H264, '000000016100'],
      [Codec.H264, '00000001610000000165b8ab'],
      [Codec.H265, '00000102000001020100ab'],
      [Codec.VP8, '10aabb'],
    ] as [Codec, string][]) {
      const encryptor = new FrameEncryptor();
      encryptor.setKeyRatchet(new HashRatchet(new Uint8Array(16)));
      const decryptor = new FrameDecryptor();
      decryptor.transitionToKeyRatchet(new HashRatchet(new Uint8Array(16)));
      const out = split(codec, frame);
      expect(
        decryptor.decrypt(MediaType.VIDEO, encryptor.encrypt(MediaType.VIDEO, codec, hex(frame))).length,
      ).toBe(out.length);
    }
  });

  it('H.26x frames too short for a NAL unit are encrypted whole', () => {
    expect(split(Codec.H264, '000001').ranges).toEqual([]);
    expect(split(Codec.H265, '00000102').ranges).toEqual([]);
  });
});

describe('H.26x start-code check and re-encryption (libdave ValidateEncryptedFrame)', () => {
  it('finds a start code inside an encrypted section or spanning its edges', () => {
    // 0..5 clear, 6..end "encrypted": a 00 00 01 in the encrypted part is found.
    expect(encryptedFrameHasStartCode(hex('000000016101aa000001bbccdd'), 13, [0, 6])).toBe(true);
    expect(encryptedFrameHasStartCode(hex('000000016101aa010203bbccdd'), 13, [0, 6])).toBe(false);
  });

  it('gives up with ENCRYPT_TOO_MANY_ATTEMPTS after 10 nonces when every ciphertext has a start code', () => {
    // Random slices: whatever the encryptor emits must decrypt, within at most 10 attempts.
    const encryptor = new FrameEncryptor();
    encryptor.setKeyRatchet(new HashRatchet(new Uint8Array(16)));
    const decryptor = new FrameDecryptor();
    decryptor.transitionToKeyRatchet(new HashRatchet(new Uint8Array(16)));
    let maxAttempts = 0;
    for (let i = 0; i < 400; i++) {
      const media = Uint8Array.from([
        0,
        0,
        0,
        1,
        0x65,
        0x88,
        ...Array.from({ length: 60 }, (_, j) => (i + j) & 0xff),
      ]);
      const frame = encryptor.encrypt(MediaType.VIDEO, Codec.H264, media);
      // Every frame that leaves the encryptor is free of start codes outside the clear ranges.
      expect(toHex(decryptor.decrypt(MediaType.VIDEO, frame))).toBe(toHex(media));
      maxAttempts = Math.max(maxAttempts, encryptor.stats(MediaType.VIDEO).maxAttempts);
    }
    expect(maxAttempts).toBeGreaterThanOrEqual(1);
    expect(maxAttempts).toBeLessThanOrEqual(MAX_ENCRYPT_ATTEMPTS);

    // Force a start code into every one of the 10 attempts: with a known key, choose the slice payload
    // so that under nonce k the ciphertext at bytes 3k..3k+2 is 00 00 01 (GCM is CTR from counter 2).
    const base = new Uint8Array(16).fill(3);
    const key = new HashRatchet(base).getKey(0);
    const payload = new Uint8Array(3 * (MAX_ENCRYPT_ATTEMPTS + 1));
    for (let k = 1; k <= MAX_ENCRYPT_ATTEMPTS; k++) {
      const iv = new Uint8Array(16);
      new DataView(iv.buffer).setUint32(8, k, true);
      iv[15] = 2;
      const keystream = createCipheriv('aes-128-ctr', key, iv).update(new Uint8Array(payload.length));
      for (let j = 0; j < 3; j++) payload[3 * k + j] = keystream[3 * k + j]! ^ [0, 0, 1][j]!;
    }
    const media = Uint8Array.from([0, 0, 0, 1, 0x61, 0xe0, ...payload]);
    expect(split(Codec.H264, toHex(media)).ranges).toEqual([0, 6]);
    const always = new FrameEncryptor();
    always.setKeyRatchet(new HashRatchet(base));
    let error: unknown;
    try {
      always.encrypt(MediaType.VIDEO, Codec.H264, media);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DaveFrameError);
    expect((error as DaveFrameError).code).toBe(DaveFrameErrorCode.ENCRYPT_TOO_MANY_ATTEMPTS);
    expect(always.stats(MediaType.VIDEO)).toMatchObject({ attempts: 10, maxAttempts: 10, failures: 1 });
    // The next frame carries on with nonce 11.
    const next = always.encrypt(
      MediaType.VIDEO,
      Codec.H264,
      Uint8Array.from([0, 0, 0, 1, 0x61, 0xe0, 9, 9, 9]),
    );
    expect(next[next.length - 6]).toBe(11);
  });
});

describe('round trips through encrypt and decrypt for every codec', () => {
  const all = [
    ...vectors.h264.map((v: { frame: string }) => [Codec.H264, v.frame]),
    ...vectors.h265.map((v: { frame: string }) => [Codec.H265, v.frame]),
  ] as [Codec, string][];
  it.each(all)('codec %i frame %s', (codec, frameHex) => {
    const encryptor = new FrameEncryptor();
    encryptor.setKeyRatchet(new HashRatchet(new Uint8Array(16).fill(7)));
    const decryptor = new FrameDecryptor();
    decryptor.transitionToKeyRatchet(new HashRatchet(new Uint8Array(16).fill(7)));
    const out = split(codec, frameHex);
    // The rewritten plaintext frame (start codes normalised) to compare with the decryption.
    const rewritten = rewrittenFrame(out);
    const encrypted = encryptor.encrypt(MediaType.VIDEO, codec, hex(frameHex));
    expect(toHex(decryptor.decrypt(MediaType.VIDEO, encrypted))).toBe(toHex(rewritten));
  });
});
