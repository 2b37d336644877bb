import { createCipheriv, createDecipheriv, createSecretKey, getCiphers } from 'node:crypto';
import { AEAD_TAG_LENGTH, type AeadPrimitive, type TransportCryptoBackend } from './backend.js';
import { HChaCha20 } from './hchacha20.js';
import { nobleCryptoBackend } from './noble.js';
import { jsXChaCha20Poly1305 } from './xchacha20poly1305.js';

const ciphers = new Set(getCiphers());
const HAS_AES_GCM = ciphers.has('aes-256-gcm');
const HAS_CHACHA_POLY = ciphers.has('chacha20-poly1305');

type Algorithm = 'aes-256-gcm' | 'chacha20-poly1305';

function openSslSeal(
  algorithm: Algorithm,
  key: Parameters<typeof createCipheriv>[1],
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  out: Uint8Array,
  offset: number,
): void {
  // Tag length 16 is the default for both algorithms; passing options costs ~5% per packet.
  const cipher = createCipheriv(algorithm as 'aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  out.set(cipher.update(plaintext), offset);
  cipher.final();
  out.set(cipher.getAuthTag(), offset + plaintext.length);
}

function openSslOpen(
  algorithm: Algorithm,
  key: Parameters<typeof createDecipheriv>[1],
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  out: Uint8Array,
  offset: number,
): boolean {
  try {
    // The caller always passes exactly 16 tag bytes, which is what pins the tag length here
    // (a shorter tag can never reach setAuthTag), so no per-packet options object is needed.
    if (tag.length !== AEAD_TAG_LENGTH) return false;
    const decipher = createDecipheriv(algorithm as 'aes-256-gcm', key, nonce);
    decipher.setAuthTag(tag);
    decipher.setAAD(aad);
    const plaintext = decipher.update(ciphertext);
    decipher.final();
    out.set(plaintext, offset);
    return true;
  } catch {
    return false;
  }
}

function nodeAes256Gcm(key: Uint8Array): AeadPrimitive {
  // A KeyObject imported once saves re-parsing the raw key on every createCipheriv.
  const keyObject = createSecretKey(key);
  return {
    sealInto: (nonce, aad, plaintext, out, offset) =>
      openSslSeal('aes-256-gcm', keyObject, nonce, aad, plaintext, out, offset),
    openInto: (nonce, aad, ciphertext, tag, out, offset) =>
      openSslOpen('aes-256-gcm', keyObject, nonce, aad, ciphertext, tag, out, offset),
  };
}

/**
 * XChaCha20-Poly1305 through OpenSSL: ChaCha20-Poly1305 under subkey HChaCha20(key, nonce[0..16]) with the
 * 12-byte nonce 0×4 ‖ nonce[16..24] (draft-irtf-cfrg-xchacha-03 §2.3). OpenSSL does the bulk work.
 */
export function openSslXChaCha20Poly1305(key: Uint8Array): AeadPrimitive {
  const hchacha = new HChaCha20(key);
  const subkey = Buffer.alloc(32);
  const shortNonce = Buffer.alloc(12);
  const prepare = (nonce: Uint8Array): void => {
    hchacha.derive(nonce, subkey);
    shortNonce.set(nonce.subarray(16, 24), 4);
  };
  return {
    sealInto(nonce, aad, plaintext, out, offset) {
      prepare(nonce);
      openSslSeal('chacha20-poly1305', subkey, shortNonce, aad, plaintext, out, offset);
    },
    openInto(nonce, aad, ciphertext, tag, out, offset) {
      prepare(nonce);
      return openSslOpen('chacha20-poly1305', subkey, shortNonce, aad, ciphertext, tag, out, offset);
    },
  };
}

/**
 * The default backend: node:crypto (OpenSSL) for AES-256-GCM, falling back to noble when this
 * OpenSSL lacks it. XChaCha20-Poly1305 uses our packet-sized JS construction
 * (./xchacha20poly1305.ts): for a 120-byte frame it measured ~2.1-2.6 µs against ~4.7 µs for the
 * OpenSSL route, whose per-call setup dominates. XSalsa20 (retired modes only) is noble: OpenSSL
 * has no Salsa20.
 */
export const nodeCryptoBackend: TransportCryptoBackend = {
  name: 'node',
  aes256gcm: HAS_AES_GCM ? nodeAes256Gcm : nobleCryptoBackend.aes256gcm,
  xchacha20poly1305: jsXChaCha20Poly1305,
  xsalsa20poly1305: nobleCryptoBackend.xsalsa20poly1305,
};

/** The OpenSSL XChaCha20 route, when this OpenSSL has chacha20-poly1305 (kept as a cross-check). */
export const openSslXChaCha20Poly1305Available = HAS_CHACHA_POLY;
