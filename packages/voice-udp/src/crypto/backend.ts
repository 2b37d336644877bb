/**
 * The one crypto seam of this package. Transport encryption needs three primitives; a backend
 * supplies them keyed once per session. `node:crypto` (OpenSSL) is the fast path on Node; the
 * noble backend is pure JS and is what a browser build would use.
 *
 * Both primitive shapes write into a caller-supplied buffer so the send path allocates one
 * datagram per packet and nothing else of its own.
 */
export interface AeadPrimitive {
  /** Write ciphertext (plaintext.length bytes) then the 16-byte tag into `out` at `offset`. */
  sealInto(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void;
  /** Write plaintext into `out` at `offset`; false when the tag does not verify. */
  openInto(
    nonce: Uint8Array,
    aad: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    out: Uint8Array,
    offset: number,
  ): boolean;
}

/** NaCl secretbox (XSalsa20-Poly1305): the MAC comes before the ciphertext, no AAD. */
export interface SecretboxPrimitive {
  /** Write the 16-byte MAC then the ciphertext into `out` at `offset`. */
  sealInto(nonce: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void;
  /** `boxed` is MAC ‖ ciphertext; false when the MAC does not verify. */
  openInto(nonce: Uint8Array, boxed: Uint8Array, out: Uint8Array, offset: number): boolean;
}

export interface TransportCryptoBackend {
  readonly name: string;
  aes256gcm(key: Uint8Array): AeadPrimitive;
  xchacha20poly1305(key: Uint8Array): AeadPrimitive;
  xsalsa20poly1305(key: Uint8Array): SecretboxPrimitive;
}

export const AEAD_TAG_LENGTH = 16;
