// The table-GHASH + batched-keystream AES-128-GCM (src/cryptorAesGcm.ts) must equal node:crypto's GCM byte for
// byte, for every length, AAD, nonce pattern (sequential, random, near the 32-bit wrap) and tag length,
// on both of its paths (JS GHASH up to 384 bytes, OpenSSL GCM above; tag lengths node rejects stay in JS).
import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AesGcm128 } from '../src/cryptorAesGcm.js';

function reference(key: Uint8Array, nonce: number, plaintext: Uint8Array, aad: Uint8Array | null) {
  const iv = Buffer.alloc(12);
  iv.writeUInt32LE(nonce >>> 0, 8);
  const cipher = createCipheriv('aes-128-gcm', key, iv);
  if (aad) cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

const nonceArb = fc.oneof(
  fc.nat({ max: 0xffffffff }),
  fc.integer({ min: 0xffffffe0, max: 0xffffffff }),
  fc.nat({ max: 64 }),
);

describe('AesGcm128 equals node:crypto aes-128-gcm', () => {
  it('random keys, nonces, plaintexts and AAD', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.array(
          fc.tuple(nonceArb, fc.uint8Array({ maxLength: 700 }), fc.option(fc.uint8Array({ maxLength: 80 }))),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        fc.integer({ min: 1, max: 16 }),
        (key, messages, tagLength) => {
          const gcm = new AesGcm128(key);
          for (const [nonce, plaintext, aad] of messages) {
            const expected = reference(key, nonce, plaintext, aad);
            const out = new Uint8Array(plaintext.length);
            const tag = new Uint8Array(tagLength);
            gcm.encrypt(nonce, plaintext, aad, out, 0, tag, 0, tagLength);
            expect(Buffer.from(out).equals(expected.ciphertext)).toBe(true);
            expect(Buffer.from(tag).equals(expected.tag.subarray(0, tagLength))).toBe(true);
            const back = new Uint8Array(plaintext.length);
            expect(
              gcm.decrypt(nonce, expected.ciphertext, expected.tag.subarray(0, tagLength), aad, back, 0),
            ).toBe(true);
            expect(Buffer.from(back).equals(Buffer.from(plaintext))).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('sequential nonces (the batched path) with varying sizes, including frames past the batch entry size', () => {
    const key = new Uint8Array(16).fill(0x42);
    const gcm = new AesGcm128(key);
    for (let nonce = 1; nonce < 300; nonce++) {
      const plaintext = new Uint8Array((nonce * 53) % 900).fill(nonce & 0xff);
      const expected = reference(key, nonce, plaintext, null);
      const out = new Uint8Array(plaintext.length);
      const tag = new Uint8Array(8);
      gcm.encrypt(nonce, plaintext, null, out, 0, tag, 0, 8);
      expect([
        nonce,
        Buffer.from(out).equals(expected.ciphertext),
        Buffer.from(tag).equals(expected.tag.subarray(0, 8)),
      ]).toEqual([nonce, true, true]);
    }
  });

  it('decrypt refuses a wrong tag, wrong AAD or wrong nonce and writes nothing', () => {
    const key = new Uint8Array(16).fill(1);
    const gcm = new AesGcm128(key);
    const plaintext = new Uint8Array(40).fill(9);
    const { ciphertext, tag } = reference(key, 5, plaintext, Uint8Array.of(1, 2));
    const out = new Uint8Array(40);
    const bad = Uint8Array.from(tag.subarray(0, 8));
    bad[7]! ^= 1;
    expect(gcm.decrypt(5, ciphertext, bad, Uint8Array.of(1, 2), out, 0)).toBe(false);
    expect(gcm.decrypt(5, ciphertext, tag.subarray(0, 8), Uint8Array.of(1, 3), out, 0)).toBe(false);
    expect(gcm.decrypt(6, ciphertext, tag.subarray(0, 8), Uint8Array.of(1, 2), out, 0)).toBe(false);
    expect(gcm.decrypt(5, ciphertext, new Uint8Array(0), Uint8Array.of(1, 2), out, 0)).toBe(false);
    expect(out.every((b) => b === 0)).toBe(true);
    expect(gcm.decrypt(5, ciphertext, tag.subarray(0, 8), Uint8Array.of(1, 2), out, 0)).toBe(true);
  });
});
