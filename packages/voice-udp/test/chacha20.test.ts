import { createCipheriv } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SIGMA, chachaPermute, readLE32 } from '../src/crypto/chachaCore.js';
import { jsXChaCha20Poly1305 } from '../src/crypto/xchacha20poly1305.js';
import { openSslXChaCha20Poly1305, openSslXChaCha20Poly1305Available } from '../src/crypto/node.js';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s/g, ''), 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const out = new Uint8Array(plaintext.length + 16);
  jsXChaCha20Poly1305(key).sealInto(nonce, aad, plaintext, out, 0);
  return out;
}

describe('ChaCha20 core', () => {
  it('block function equals OpenSSL chacha20 key stream for any key, nonce and counter', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.nat({ max: 0xfffffff0 }),
        (key, nonce, counter) => {
          const state = new Uint32Array(16);
          state.set(SIGMA, 0);
          for (let i = 0; i < 8; i++) state[4 + i] = readLE32(key, 4 * i);
          state[12] = counter;
          for (let i = 0; i < 3; i++) state[13 + i] = readLE32(nonce, 4 * i);
          const block = new Uint32Array(16);
          chachaPermute(state, block);
          const ours = new Uint8Array(64);
          const view = new DataView(ours.buffer);
          for (let i = 0; i < 16; i++) view.setUint32(4 * i, (block[i]! + state[i]!) >>> 0, true);
          // OpenSSL's 16-byte chacha20 IV is the 32-bit LE counter followed by the 96-bit nonce.
          const iv = new Uint8Array(16);
          new DataView(iv.buffer).setUint32(0, counter, true);
          iv.set(nonce, 4);
          const theirs = createCipheriv('chacha20', key, iv).update(new Uint8Array(64));
          expect(toHex(ours)).toBe(toHex(theirs));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('XChaCha20-Poly1305 in JS', () => {
  it('this OpenSSL has chacha20-poly1305, so the three-way cross-check below is real', () => {
    expect(openSslXChaCha20Poly1305Available).toBe(true);
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

  it('equals @noble/ciphers and the OpenSSL-based primitive for any input, and opens what it seals', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 400 }),
        (key, nonce, aad, plaintext) => {
          const ours = seal(key, nonce, aad, plaintext);
          expect(toHex(ours)).toBe(toHex(xchacha20poly1305(key, nonce, aad).encrypt(plaintext)));
          const openssl = new Uint8Array(plaintext.length + 16);
          openSslXChaCha20Poly1305(key).sealInto(nonce, aad, plaintext, openssl, 0);
          expect(toHex(ours)).toBe(toHex(openssl));
          const back = new Uint8Array(plaintext.length);
          const aead = jsXChaCha20Poly1305(key);
          expect(
            aead.openInto(
              nonce,
              aad,
              ours.subarray(0, plaintext.length),
              ours.subarray(plaintext.length),
              back,
              0,
            ),
          ).toBe(true);
          expect(toHex(back)).toBe(toHex(plaintext));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects any single-bit change to ciphertext, tag, AAD or nonce, and short tags', () => {
    const key = new Uint8Array(32).fill(5);
    const nonce = new Uint8Array(24).fill(6);
    const aad = Uint8Array.of(1, 2, 3);
    const plaintext = new Uint8Array(70).fill(9);
    const sealed = seal(key, nonce, aad, plaintext);
    const aead = jsXChaCha20Poly1305(key);
    const out = new Uint8Array(70);
    const open = (n: Uint8Array, a: Uint8Array, s: Uint8Array, tagLength = 16) =>
      aead.openInto(n, a, s.subarray(0, 70), s.subarray(70, 70 + tagLength), out, 0);
    expect(open(nonce, aad, sealed)).toBe(true);
    for (let bit = 0; bit < sealed.length * 8; bit += 7) {
      const forged = sealed.slice();
      forged[bit >> 3]! ^= 1 << (bit & 7);
      expect(open(nonce, aad, forged)).toBe(false);
    }
    expect(open(nonce, Uint8Array.of(1, 2, 4), sealed)).toBe(false);
    const otherNonce = nonce.slice();
    otherNonce[23]! ^= 1;
    expect(open(otherNonce, aad, sealed)).toBe(false);
    expect(open(nonce, aad, sealed, 15)).toBe(false);
  });
});
