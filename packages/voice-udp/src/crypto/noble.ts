import { gcm } from '@noble/ciphers/aes.js';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import {
  AEAD_TAG_LENGTH,
  type AeadPrimitive,
  type SecretboxPrimitive,
  type TransportCryptoBackend,
} from './backend.js';

type AeadFactory = (
  key: Uint8Array,
  nonce: Uint8Array,
  aad?: Uint8Array,
) => { encrypt(data: Uint8Array): Uint8Array; decrypt(data: Uint8Array): Uint8Array };

function nobleAead(factory: AeadFactory, key: Uint8Array): AeadPrimitive {
  const ownKey = key.slice();
  return {
    sealInto(nonce, aad, plaintext, out, offset) {
      out.set(factory(ownKey, nonce, aad).encrypt(plaintext), offset);
    },
    openInto(nonce, aad, ciphertext, tag, out, offset) {
      const joined = new Uint8Array(ciphertext.length + AEAD_TAG_LENGTH);
      joined.set(ciphertext, 0);
      joined.set(tag, ciphertext.length);
      try {
        out.set(factory(ownKey, nonce, aad).decrypt(joined), offset);
        return true;
      } catch {
        return false;
      }
    },
  };
}

function nobleSecretbox(key: Uint8Array): SecretboxPrimitive {
  const ownKey = key.slice();
  return {
    // noble's xsalsa20poly1305 already lays out MAC ‖ ciphertext, as NaCl and Discord do.
    sealInto(nonce, plaintext, out, offset) {
      out.set(xsalsa20poly1305(ownKey, nonce).encrypt(plaintext), offset);
    },
    openInto(nonce, boxed, out, offset) {
      try {
        out.set(xsalsa20poly1305(ownKey, nonce).decrypt(boxed), offset);
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** Pure-JS backend on @noble/ciphers: portable (browsers, Deno, Bun) and the cross-check for node. */
export const nobleCryptoBackend: TransportCryptoBackend = {
  name: 'noble',
  aes256gcm: (key) => nobleAead(gcm as unknown as AeadFactory, key),
  xchacha20poly1305: (key) => nobleAead(xchacha20poly1305 as unknown as AeadFactory, key),
  xsalsa20poly1305: nobleSecretbox,
};
