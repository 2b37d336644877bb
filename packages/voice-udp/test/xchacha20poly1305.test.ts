// XChaCha20-Poly1305 as the node backend builds it (@noble/ciphers' hchacha + OpenSSL's
// chacha20-poly1305), pinned by the draft's vector and cross-checked against @noble/ciphers'
// all-JS xchacha20poly1305 (the implementation @discordjs/voice uses) on random inputs.
import { xchacha20poly1305 as nobleXChaCha } from '@noble/ciphers/chacha.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openSslChaCha20Poly1305Available } from '../src/crypto/node.js';
import { xchacha20poly1305 } from '../src/crypto/xchacha20poly1305.js';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s/g, ''), 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const out = new Uint8Array(plaintext.length + 16);
  xchacha20poly1305(key).sealInto(nonce, aad, plaintext, out, 0);
  return out;
}

describe('XChaCha20-Poly1305 (HChaCha20 subkey + OpenSSL ChaCha20-Poly1305)', () => {
  it('this OpenSSL has chacha20-poly1305, so the node backend uses this construction', () => {
    expect(openSslChaCha20Poly1305Available).toBe(true);
  });

  it('matches draft-irtf-cfrg-xchacha-03 §A.3.1', () => {
    const plaintext = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const aad = hex('50515253c0c1c2c3c4c5c6c7');
    const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
    const nonce = Uint8Array.from({ length: 24 }, (_, i) => 0x40 + i);
    const out = seal(key, nonce, aad, plaintext);
    expect(toHex(out.subarray(plaintext.length))).toBe('c0875924c1c7987947deafd8780acf49');
    expect(toHex(out.subarray(0, 16))).toBe('bd6d179d3e83d43b9576579493c0e939');
  });

  it('equals @noble/ciphers for any key, nonce, AAD and plaintext, and opens what noble seals', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 1400 }),
        (key, nonce, aad, plaintext) => {
          const theirs = nobleXChaCha(key, nonce, aad).encrypt(plaintext);
          expect(toHex(seal(key, nonce, aad, plaintext))).toBe(toHex(theirs));
          const back = new Uint8Array(plaintext.length + 3);
          const opened = xchacha20poly1305(key).openInto(
            nonce,
            aad,
            theirs.subarray(0, plaintext.length),
            theirs.subarray(plaintext.length),
            back,
            3,
          );
          expect(opened).toBe(true);
          expect(toHex(back.subarray(3))).toBe(toHex(plaintext));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects any single-bit change to ciphertext, tag, AAD or nonce, and short tags, writing nothing', () => {
    const key = new Uint8Array(32).fill(5);
    const nonce = new Uint8Array(24).fill(6);
    const aad = Uint8Array.of(1, 2, 3);
    const plaintext = new Uint8Array(70).fill(9);
    const sealed = seal(key, nonce, aad, plaintext);
    const aead = xchacha20poly1305(key);
    const out = new Uint8Array(70);
    const open = (n: Uint8Array, a: Uint8Array, s: Uint8Array, tagLength = 16) =>
      aead.openInto(n, a, s.subarray(0, 70), s.subarray(70, 70 + tagLength), out, 0);
    for (let bit = 0; bit < sealed.length * 8; bit += 7) {
      const forged = sealed.slice();
      forged[bit >> 3]! ^= 1 << (bit & 7);
      expect(open(nonce, aad, forged)).toBe(false);
    }
    expect(open(nonce, Uint8Array.of(1, 2, 4), sealed)).toBe(false);
    for (const at of [0, 15, 16, 23]) {
      const otherNonce = nonce.slice();
      otherNonce[at]! ^= 1;
      expect(open(otherNonce, aad, sealed)).toBe(false);
    }
    expect(open(nonce, aad, sealed, 15)).toBe(false);
    expect(out.every((b) => b === 0)).toBe(true);
    expect(open(nonce, aad, sealed)).toBe(true);
    expect(toHex(out)).toBe(toHex(plaintext));
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => xchacha20poly1305(new Uint8Array(16))).toThrow(RangeError);
  });
});
