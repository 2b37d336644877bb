import { createCipheriv, createDecipheriv } from 'node:crypto';
import { hchacha } from '@noble/ciphers/chacha.js';
import { AEAD_TAG_LENGTH, type AeadPrimitive } from './backend.js';

/** "expand 32-byte k" as four little-endian words: the ChaCha constant (RFC 8439 §2.3). */
const SIGMA = Uint32Array.of(0x61707865, 0x3320646e, 0x79622d32, 0x6b206574);
/** One options object for every packet; 16 is Poly1305's full tag. */
const AEAD_OPTIONS = Object.freeze({ authTagLength: AEAD_TAG_LENGTH });

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 §2.3) from two library parts: the subkey is
 * HChaCha20(key, nonce[0..16]) computed by @noble/ciphers' public `hchacha`, and the AEAD itself is
 * OpenSSL's IETF ChaCha20-Poly1305 (RFC 8439 §2.8) under that subkey with the 12-byte nonce
 * 0×4 ‖ nonce[16..24]. No cipher arithmetic of ours; ChaCha and Poly1305 have no secret-indexed
 * memory access or secret-dependent branches in either library.
 */
export function xchacha20poly1305(key: Uint8Array): AeadPrimitive {
  if (key.length !== 32) throw new RangeError('XChaCha20-Poly1305 key must be 32 bytes');
  const keyWords = new Uint32Array(8);
  for (let i = 0; i < 8; i++) keyWords[i] = readLE32(key, 4 * i);
  const nonceWords = new Uint32Array(4);
  const subkeyWords = new Uint32Array(8);
  const subkey = Buffer.alloc(32);
  const shortNonce = Buffer.alloc(12);

  const derive = (nonce: Uint8Array): void => {
    for (let i = 0; i < 4; i++) nonceWords[i] = readLE32(nonce, 4 * i);
    hchacha(SIGMA, keyWords, nonceWords, subkeyWords);
    for (let i = 0; i < 8; i++) subkey.writeUInt32LE(subkeyWords[i]!, 4 * i);
    shortNonce.set(nonce.subarray(16, 24), 4);
  };

  return {
    sealInto(nonce, aad, plaintext, out, offset) {
      derive(nonce);
      const cipher = createCipheriv('chacha20-poly1305', subkey, shortNonce, AEAD_OPTIONS);
      cipher.setAAD(aad, { plaintextLength: plaintext.length });
      out.set(cipher.update(plaintext), offset);
      cipher.final();
      out.set(cipher.getAuthTag(), offset + plaintext.length);
    },
    openInto(nonce, aad, ciphertext, tag, out, offset) {
      if (tag.length !== AEAD_TAG_LENGTH) return false;
      derive(nonce);
      const decipher = createDecipheriv('chacha20-poly1305', subkey, shortNonce, AEAD_OPTIONS);
      decipher.setAuthTag(tag);
      decipher.setAAD(aad, { plaintextLength: ciphertext.length });
      const plaintext = decipher.update(ciphertext);
      try {
        decipher.final();
      } catch {
        // A tag mismatch throws; the unauthenticated plaintext never reaches `out`.
        plaintext.fill(0);
        return false;
      }
      out.set(plaintext, offset);
      return true;
    },
  };
}

function readLE32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>>
    0
  );
}
