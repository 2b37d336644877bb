/**
 * One ratchet generation's AES-128-GCM with the tag truncated to 8 bytes (research/dave.md 4). The
 * 12-byte nonce is 8 zero bytes followed by the 32-bit truncated nonce little-endian (davey
 * `to_le_bytes`; libdave memcpy on little-endian hosts).
 *
 * All of it is OpenSSL's GCM through node:crypto (AES-NI and carry-less multiply where the CPU has
 * them, constant-time code paths either way): no cipher arithmetic, tables or secret-dependent
 * branches of ours. A node:crypto cipher object takes its IV once, so each frame makes one; the key
 * is imported once per generation as a KeyObject so that setup skips re-reading raw key bytes.
 * OpenSSL computes the full 16-byte tag and `authTagLength: 8` keeps its first 8 bytes, which is the
 * truncation DAVE specifies (SP 800-38D 5.2.1.2 MSB_t).
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';

export const TAG_BYTES = 8;
const ALGORITHM = 'aes-128-gcm';
const KEY_BYTES = 16;
/** One options object for every call: explicit tag length (Node deprecates short tags without it). */
const GCM_OPTIONS = Object.freeze({ authTagLength: TAG_BYTES });

export class AesGcmCryptor {
  readonly #key: KeyObject;
  /** The per-frame IV: bytes 0-7 stay zero, bytes 8-11 take the nonce. */
  readonly #iv = Buffer.alloc(12);

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) throw new RangeError(`AES-128 key must be ${KEY_BYTES} bytes`);
    this.#key = createSecretKey(key);
  }

  /** Encrypts `plaintext` into `out[outOffset..]` and writes the 8-byte tag at `tagOut[tagOffset..]`. */
  encrypt(
    truncatedNonce: number,
    plaintext: Uint8Array,
    aad: Uint8Array | null,
    out: Uint8Array,
    outOffset: number,
    tagOut: Uint8Array,
    tagOffset: number,
  ): void {
    this.#iv.writeUInt32LE(truncatedNonce >>> 0, 8);
    const cipher = createCipheriv(ALGORITHM, this.#key, this.#iv, GCM_OPTIONS);
    if (aad !== null && aad.length > 0) cipher.setAAD(aad);
    out.set(cipher.update(plaintext), outOffset);
    cipher.final();
    tagOut.set(cipher.getAuthTag(), tagOffset);
  }

  /**
   * Checks the tag and decrypts into `out[outOffset..]` (which may be `ciphertext` itself). Returns
   * false, writing nothing, when the tag does not authenticate.
   */
  decrypt(
    truncatedNonce: number,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array | null,
    out: Uint8Array,
    outOffset: number,
  ): boolean {
    if (tag.length !== TAG_BYTES) return false;
    this.#iv.writeUInt32LE(truncatedNonce >>> 0, 8);
    const decipher = createDecipheriv(ALGORITHM, this.#key, this.#iv, GCM_OPTIONS);
    decipher.setAuthTag(tag);
    if (aad !== null && aad.length > 0) decipher.setAAD(aad);
    const plaintext = decipher.update(ciphertext);
    try {
      decipher.final();
    } catch {
      // OpenSSL reports a tag mismatch by throwing; the unauthenticated plaintext never reaches `out`.
      plaintext.fill(0);
      return false;
    }
    out.set(plaintext, outOffset);
    return true;
  }
}
