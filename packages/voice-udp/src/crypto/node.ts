import { createCipheriv, createDecipheriv, createSecretKey, getCiphers } from 'node:crypto';
import { AEAD_TAG_LENGTH, type AeadPrimitive, type TransportCryptoBackend } from './backend.js';
import { nobleCryptoBackend } from './noble.js';
import { xchacha20poly1305 } from './xchacha20poly1305.js';

const ciphers = new Set(getCiphers());
const HAS_AES_GCM = ciphers.has('aes-256-gcm');
const HAS_CHACHA_POLY = ciphers.has('chacha20-poly1305');

function aes256gcm(key: Uint8Array): AeadPrimitive {
  // A KeyObject imported once saves re-parsing the raw key on every createCipheriv.
  const keyObject = createSecretKey(key);
  return {
    sealInto(nonce, aad, plaintext, out, offset) {
      // Tag length 16 is the default; passing options costs ~5% per packet.
      const cipher = createCipheriv('aes-256-gcm', keyObject, nonce);
      cipher.setAAD(aad);
      out.set(cipher.update(plaintext), offset);
      cipher.final();
      out.set(cipher.getAuthTag(), offset + plaintext.length);
    },
    openInto(nonce, aad, ciphertext, tag, out, offset) {
      // Exactly 16 tag bytes pin the tag length, so no per-packet options object is needed.
      if (tag.length !== AEAD_TAG_LENGTH) return false;
      const decipher = createDecipheriv('aes-256-gcm', keyObject, nonce);
      decipher.setAuthTag(tag);
      decipher.setAAD(aad);
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

/**
 * The default backend: node:crypto (OpenSSL) for AES-256-GCM and for XChaCha20-Poly1305 (OpenSSL's
 * ChaCha20-Poly1305 under an HChaCha20 subkey, ./xchacha20poly1305.ts), falling back to @noble/ciphers
 * when this OpenSSL lacks either. XSalsa20 (retired modes only) is noble's: OpenSSL has no Salsa20.
 */
export const nodeCryptoBackend: TransportCryptoBackend = {
  name: 'node',
  aes256gcm: HAS_AES_GCM ? aes256gcm : nobleCryptoBackend.aes256gcm,
  xchacha20poly1305: HAS_CHACHA_POLY ? xchacha20poly1305 : nobleCryptoBackend.xchacha20poly1305,
  xsalsa20poly1305: nobleCryptoBackend.xsalsa20poly1305,
};

/** Whether this OpenSSL has chacha20-poly1305, so the node backend's XChaCha is OpenSSL's, not noble's. */
export const openSslChaCha20Poly1305Available = HAS_CHACHA_POLY;
