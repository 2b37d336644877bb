// The frame cipher (src/cryptor.ts, node:crypto's AES-128-GCM with 8-byte tags) pinned against an
// independent implementation, @noble/ciphers' gcm, whose full 16-byte tag DAVE truncates to its first 8
// bytes (research/dave.md 4). Random keys, lengths (Opus to video sizes), AAD and nonces, including the
// 32-bit wrap. The davey frame-level cross-check is in frameDaveyRandom.test.ts.
import { gcm } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AesGcmCryptor, TAG_BYTES } from '../src/cryptor.js';

function reference(key: Uint8Array, nonce: number, plaintext: Uint8Array, aad: Uint8Array | null) {
  const iv = Buffer.alloc(12);
  iv.writeUInt32LE(nonce >>> 0, 8);
  const sealed = gcm(key, iv, aad ?? undefined).encrypt(plaintext);
  return {
    ciphertext: Buffer.from(sealed.subarray(0, plaintext.length)),
    tag: Buffer.from(sealed.subarray(plaintext.length, plaintext.length + TAG_BYTES)),
  };
}

const nonceArb = fc.oneof(
  fc.nat({ max: 0xffffffff }),
  fc.integer({ min: 0xffffffe0, max: 0xffffffff }),
  fc.nat({ max: 64 }),
);

describe('AesGcmCryptor equals @noble/ciphers AES-128-GCM with the tag cut to 8 bytes', () => {
  it('random keys, nonces, plaintexts and AAD, both directions', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.array(
          fc.tuple(nonceArb, fc.uint8Array({ maxLength: 1200 }), fc.option(fc.uint8Array({ maxLength: 80 }))),
          { minLength: 1, maxLength: 8 },
        ),
        (key, messages) => {
          const cryptor = new AesGcmCryptor(key);
          for (const [nonce, plaintext, aad] of messages) {
            const expected = reference(key, nonce, plaintext, aad);
            const out = new Uint8Array(plaintext.length);
            const tag = new Uint8Array(TAG_BYTES);
            cryptor.encrypt(nonce, plaintext, aad, out, 0, tag, 0);
            expect(Buffer.from(out).equals(expected.ciphertext)).toBe(true);
            expect(Buffer.from(tag).equals(expected.tag)).toBe(true);
            const back = new Uint8Array(plaintext.length);
            expect(cryptor.decrypt(nonce, expected.ciphertext, expected.tag, aad, back, 0)).toBe(true);
            expect(Buffer.from(back).equals(Buffer.from(plaintext))).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('writes at the offsets it is given and decrypts in place', () => {
    const key = new Uint8Array(16).fill(0x42);
    const cryptor = new AesGcmCryptor(key);
    const plaintext = new Uint8Array(100).map((_, i) => i);
    const expected = reference(key, 7, plaintext, null);
    const out = new Uint8Array(3 + 100 + TAG_BYTES);
    cryptor.encrypt(7, plaintext, null, out, 3, out, 103);
    expect(Buffer.from(out.subarray(3, 103)).equals(expected.ciphertext)).toBe(true);
    expect(Buffer.from(out.subarray(103)).equals(expected.tag)).toBe(true);
    const inPlace = out.subarray(3, 103);
    expect(cryptor.decrypt(7, inPlace, out.subarray(103), null, inPlace, 0)).toBe(true);
    expect(Buffer.from(inPlace).equals(Buffer.from(plaintext))).toBe(true);
  });

  it('decrypt refuses a wrong tag, wrong AAD, wrong nonce or a tag of the wrong length and writes nothing', () => {
    const key = new Uint8Array(16).fill(1);
    const cryptor = new AesGcmCryptor(key);
    const plaintext = new Uint8Array(40).fill(9);
    const { ciphertext, tag } = reference(key, 5, plaintext, Uint8Array.of(1, 2));
    const out = new Uint8Array(40);
    const bad = Uint8Array.from(tag);
    bad[7]! ^= 1;
    expect(cryptor.decrypt(5, ciphertext, bad, Uint8Array.of(1, 2), out, 0)).toBe(false);
    expect(cryptor.decrypt(5, ciphertext, tag, Uint8Array.of(1, 3), out, 0)).toBe(false);
    expect(cryptor.decrypt(6, ciphertext, tag, Uint8Array.of(1, 2), out, 0)).toBe(false);
    expect(cryptor.decrypt(5, ciphertext, new Uint8Array(0), Uint8Array.of(1, 2), out, 0)).toBe(false);
    expect(cryptor.decrypt(5, ciphertext, tag.subarray(0, 4), Uint8Array.of(1, 2), out, 0)).toBe(false);
    expect(out.every((b) => b === 0)).toBe(true);
    expect(cryptor.decrypt(5, ciphertext, tag, Uint8Array.of(1, 2), out, 0)).toBe(true);
    expect(Buffer.from(out).equals(Buffer.from(plaintext))).toBe(true);
  });

  it('refuses a key that is not 16 bytes', () => {
    expect(() => new AesGcmCryptor(new Uint8Array(32))).toThrow(RangeError);
  });
});
