/**
 * Stands in for ts-mls's optional backends in the published bundle: `@hpke/chacha20poly1305`,
 * `@hpke/dhkem-x448`, `@hpke/ml-kem`, `@hpke/hybridkem-x-wing` and `@noble/post-quantum`. ts-mls
 * imports them dynamically for ciphersuites 3-6 and 77-88; they are not our dependencies, and a
 * bundler that resolves every `import()` eagerly would fail on them. DAVE only uses ciphersuite 2
 * (P-256, AES-128-GCM, SHA-256; research/dave.md 1), so tsup.config.ts points those specifiers here and
 * anything built from them throws a typed error instead. Tests run against ts-mls itself, where the
 * missing packages fail the same way (see `fastCryptoProvider`).
 */
import { DaveSessionError, DaveSessionErrorCode } from './sessionErrors.js';

export function unsupportedCiphersuite(what: string, cause?: unknown): DaveSessionError {
  return new DaveSessionError(
    DaveSessionErrorCode.UNSUPPORTED_CIPHERSUITE,
    `${what} is not available in @cordwire/dave-mls: DAVE uses only ciphersuite 2 (P-256, AES-128-GCM, SHA-256)`,
    cause === undefined ? undefined : { cause },
  );
}

function backend(name: string) {
  return class {
    constructor() {
      throw unsupportedCiphersuite(name);
    }
  };
}

// The names ts-mls 1.6.4 takes from each optional package (crypto/implementation/*/make*.js).
export const Chacha20Poly1305 = backend('ChaCha20-Poly1305');
export const DhkemX448HkdfSha512 = backend('DHKEM(X448)');
export const MlKem512 = backend('ML-KEM-512');
export const MlKem768 = backend('ML-KEM-768');
export const MlKem1024 = backend('ML-KEM-1024');
export const XWing = backend('X-Wing');
const mlDsa = (): never => {
  throw unsupportedCiphersuite('ML-DSA-87');
};
export const ml_dsa87 = { sign: mlDsa, verify: mlDsa, keygen: mlDsa };
