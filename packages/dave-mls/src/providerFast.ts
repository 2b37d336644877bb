/**
 * A ts-mls CryptoProvider for DAVE's ciphersuite 2 that moves the hot primitives to node:crypto
 * (OpenSSL): ECDSA P-256 sign/verify and synchronous SHA-256 / HMAC / HKDF. ts-mls's stock provider
 * does ECDSA in pure JS (@noble/curves) and every HKDF step through async WebCrypto imports, which
 * research/tsmls.md 5.2 measured at 8-10x slower for commit and Welcome processing. HPKE, AEAD and the
 * RNG stay on ts-mls's defaults. Other ciphersuites fall through to the stock provider unchanged.
 */
import {
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
} from 'node:crypto';
import { type CiphersuiteImpl, type CryptoProvider, defaultCryptoProvider } from 'ts-mls';
import { unsupportedCiphersuite } from './unsupportedBackend.js';

/** DER SubjectPublicKeyInfo prefix for an uncompressed P-256 point (RFC 5480): id-ecPublicKey, prime256v1. */
const P256_SPKI_PREFIX = Uint8Array.from(
  Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'),
);
const KEY_CACHE_LIMIT = 512;

/** Bounded cache: a group of 50 has 50 verify keys per epoch; a stream of new members must not grow it forever. */
class KeyCache {
  readonly #map = new Map<string, KeyObject>();
  get(bytes: Uint8Array, make: () => KeyObject): KeyObject {
    const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
    let key = this.#map.get(id);
    if (key === undefined) {
      key = make();
      if (this.#map.size >= KEY_CACHE_LIMIT) this.#map.delete(this.#map.keys().next().value!);
      this.#map.set(id, key);
    }
    return key;
  }
}

const publicKeys = new KeyCache();
const privateKeys = new KeyCache();

const b64u = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64url');

function importPublic(point: Uint8Array): KeyObject {
  return publicKeys.get(point, () => {
    const der = new Uint8Array(P256_SPKI_PREFIX.length + point.length);
    der.set(P256_SPKI_PREFIX, 0);
    der.set(point, P256_SPKI_PREFIX.length);
    return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  });
}

function importPrivate(scalar: Uint8Array): KeyObject {
  return privateKeys.get(scalar, () => {
    // JWK needs x/y; node derives nothing from d alone, so take them from a public key made once here.
    const jwk = p256JwkFromScalar(scalar);
    return createPrivateKey({ key: jwk, format: 'jwk' });
  });
}

function p256JwkFromScalar(scalar: Uint8Array) {
  // An ECDH object computes the public point from the private scalar without a pure-JS curve.
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(scalar.buffer, scalar.byteOffset, scalar.length));
  const point = ecdh.getPublicKey();
  return {
    kty: 'EC',
    crv: 'P-256',
    d: b64u(scalar),
    x: b64u(point.subarray(1, 33)),
    y: b64u(point.subarray(33, 65)),
  };
}

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return u8(createHmac('sha256', key).update(data).digest());
}

/** RFC 5869 HKDF-Expand with SHA-256; accepts any PRK length. */
function hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (length > 255 * 32) throw new RangeError('HKDF-Expand length too large');
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1, filled = 0; filled < length; i++) {
    const mac = createHmac('sha256', prk);
    mac.update(previous);
    mac.update(info);
    mac.update(Uint8Array.of(i));
    previous = u8(mac.digest());
    out.set(previous.subarray(0, Math.min(32, length - filled)), filled);
    filled += 32;
  }
  return out;
}

/** The secret part of a fresh P-256 key pair and its uncompressed public point (what DAVE puts in leaves). */
export function generateP256KeyPair(): { signKey: Uint8Array; publicKey: Uint8Array } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const d = Buffer.from(jwk.d!, 'base64url');
  const publicKey = new Uint8Array(65);
  publicKey[0] = 0x04;
  publicKey.set(Buffer.from(jwk.x!, 'base64url'), 1);
  publicKey.set(Buffer.from(jwk.y!, 'base64url'), 33);
  return { signKey: u8(d), publicKey };
}

async function fastSuite(base: CiphersuiteImpl): Promise<CiphersuiteImpl> {
  return {
    ...base,
    signature: {
      async sign(signKey, message) {
        return u8(nodeSign('sha256', message, { key: importPrivate(signKey), dsaEncoding: 'der' }));
      },
      async verify(publicKey, message, signature) {
        // Compressed or odd-length keys are not DAVE's; let the stock implementation judge them.
        if (publicKey.length !== 65 || publicKey[0] !== 0x04)
          return base.signature.verify(publicKey, message, signature);
        try {
          return nodeVerify(
            'sha256',
            message,
            { key: importPublic(publicKey), dsaEncoding: 'der' },
            signature,
          );
        } catch {
          return false;
        }
      },
      async keygen() {
        return generateP256KeyPair();
      },
    },
    hash: {
      async digest(data) {
        return u8(createHash('sha256').update(data).digest());
      },
      async mac(key, data) {
        return hmacSha256(key, data);
      },
      async verifyMac(key, mac, data) {
        const expected = hmacSha256(key, data);
        return expected.length === mac.length && timingSafeEqual(expected, mac);
      },
    },
    kdf: {
      async extract(salt, ikm) {
        return hmacSha256(salt, ikm);
      },
      async expand(prk, info, length) {
        return hkdfExpandSha256(prk, info, length);
      },
      size: 32,
    },
  };
}

/**
 * The fast provider. Pass it to ts-mls's `getCiphersuiteImpl`, or to {@link DaveSession} through
 * `cryptoProvider` (it is the default there).
 */
export const fastCryptoProvider: CryptoProvider = {
  async getCiphersuiteImpl(cs) {
    let base: CiphersuiteImpl;
    try {
      base = await defaultCryptoProvider.getCiphersuiteImpl(cs);
    } catch (cause) {
      // ts-mls reports a missing optional backend as DependencyError (in the bundle the backend is our
      // stub, unsupportedBackend.ts, whose throw ts-mls wraps the same way).
      if (cause instanceof Error && cause.name === 'DependencyError')
        throw unsupportedCiphersuite(`ciphersuite ${cs.name}`, cause);
      throw cause;
    }
    if (cs.signature !== 'P256' || cs.hash !== 'SHA-256' || cs.hpke.kdf !== 'HKDF-SHA256') return base;
    return fastSuite(base);
  },
};
