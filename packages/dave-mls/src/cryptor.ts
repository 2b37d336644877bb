/**
 * One ratchet generation's AES-128-GCM with the tag truncated to 8 bytes (research/dave.md 4). The
 * 12-byte nonce is 8 zero bytes followed by the 32-bit truncated nonce little-endian (davey
 * `to_le_bytes`; libdave memcpy on little-endian hosts). Built once per generation and cached, so the
 * key schedule and GHASH tables are computed once (see cryptorAesGcm.ts for why not createCipheriv per frame).
 */
import { AesGcm128 } from './cryptorAesGcm.js';

export const TAG_BYTES = 8;

export class AesGcmCryptor {
  readonly #gcm: AesGcm128;

  constructor(key: Uint8Array) {
    this.#gcm = new AesGcm128(key);
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
    this.#gcm.encrypt(truncatedNonce, plaintext, aad, out, outOffset, tagOut, tagOffset, TAG_BYTES);
  }

  /** Decrypts into `out[outOffset..]`; false when the tag does not authenticate (nothing written). */
  decrypt(
    truncatedNonce: number,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array | null,
    out: Uint8Array,
    outOffset: number,
  ): boolean {
    return this.#gcm.decrypt(truncatedNonce, ciphertext, tag, aad, out, outOffset);
  }
}
