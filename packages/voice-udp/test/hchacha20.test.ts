import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HChaCha20 } from '../src/crypto/hchacha20.js';
import { openSslXChaCha20Poly1305 } from '../src/crypto/node.js';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/[^0-9a-f]/g, ''), 'hex'));

describe('HChaCha20', () => {
  it('matches draft-irtf-cfrg-xchacha-03 §2.2.1', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const nonce = hex('000000090000004a0000000031415927');
    const out = new Uint8Array(32);
    new HChaCha20(key).derive(nonce, out);
    expect(Buffer.from(out).toString('hex')).toBe(
      '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc',
    );
  });

  it('node XChaCha20-Poly1305 (HChaCha20 + OpenSSL) equals @noble/ciphers for any input', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 300 }),
        (key, nonce, aad, plaintext) => {
          const aead = openSslXChaCha20Poly1305(key);
          const out = new Uint8Array(plaintext.length + 16);
          aead.sealInto(nonce, aad, plaintext, out, 0);
          expect(out).toEqual(xchacha20poly1305(key, nonce, aad).encrypt(plaintext));
          const back = new Uint8Array(plaintext.length);
          expect(
            aead.openInto(
              nonce,
              aad,
              out.subarray(0, plaintext.length),
              out.subarray(plaintext.length),
              back,
              0,
            ),
          ).toBe(true);
          expect(back).toEqual(plaintext);
        },
      ),
      { numRuns: 200 },
    );
  });
});
