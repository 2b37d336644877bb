/**
 * AES-128-GCM with the tag truncated to 8 bytes (research/dave.md 4), one instance per ratchet
 * generation so the key is imported once. The 12-byte nonce is 8 zero bytes followed by the 32-bit
 * truncated nonce little-endian (davey `to_le_bytes`; libdave memcpy on little-endian hosts).
 */
import { type KeyObject, createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';

export const TAG_BYTES = 8;
const GCM_OPTIONS = { authTagLength: TAG_BYTES } as const;

export class AesGcmCryptor {
  readonly #key: KeyObject;
  readonly #nonce = Buffer.alloc(12);

  constructor(key: Uint8Array) {
    this.#key = createSecretKey(key);
  }

  #setNonce(truncatedNonce: number): void {
    this.#nonce.writeUInt32LE(truncatedNonce >>> 0, 8);
  }

  /** Encrypts `plaintext` with `aad`, writes the 8-byte tag at `tagOut[tagOffset..]`, returns the ciphertext. */
  encrypt(
    truncatedNonce: number,
    plaintext: Uint8Array,
    aad: Uint8Array | null,
    tagOut: Uint8Array,
    tagOffset: number,
  ): Buffer {
    this.#setNonce(truncatedNonce);
    const cipher = createCipheriv('aes-128-gcm', this.#key, this.#nonce, GCM_OPTIONS);
    if (aad !== null && aad.length > 0) cipher.setAAD(aad);
    const ciphertext = cipher.update(plaintext);
    cipher.final();
    tagOut.set(cipher.getAuthTag(), tagOffset);
    return ciphertext;
  }

  /** Returns the plaintext, or null when the tag does not authenticate. */
  decrypt(
    truncatedNonce: number,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array | null,
  ): Buffer | null {
    this.#setNonce(truncatedNonce);
    const decipher = createDecipheriv('aes-128-gcm', this.#key, this.#nonce, GCM_OPTIONS);
    decipher.setAuthTag(tag);
    if (aad !== null && aad.length > 0) decipher.setAAD(aad);
    const plaintext = decipher.update(ciphertext);
    try {
      decipher.final();
    } catch {
      // OpenSSL reports a tag mismatch by throwing; that is the only way final() fails here.
      plaintext.fill(0);
      return null;
    }
    return plaintext;
  }
}
