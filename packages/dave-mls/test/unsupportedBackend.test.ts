// DAVE uses only ciphersuite 2. ts-mls's optional backends are not our dependencies; in the published
// bundle their imports resolve to src/unsupportedBackend.ts (scripts/check-dist.mjs checks the bundle).
// Here, against ts-mls itself where those packages are missing, the outcome must be the same typed error.
import { getCiphersuiteFromName } from 'ts-mls';
import { describe, expect, it } from 'vitest';
import { DaveSessionError, DaveSessionErrorCode, fastCryptoProvider } from '../src/index.js';
import * as stub from '../src/unsupportedBackend.js';

const unsupported = { code: DaveSessionErrorCode.UNSUPPORTED_CIPHERSUITE };

describe('ciphersuites whose backend is left out', () => {
  it.each([
    'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519',
    'MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448',
    'MLS_128_MLKEM512_AES128GCM_SHA256_Ed25519',
    'MLS_256_XWING_AES256GCM_SHA512_Ed25519',
  ] as const)('fastCryptoProvider rejects %s with a typed error naming it', async (name) => {
    const error = await fastCryptoProvider.getCiphersuiteImpl(getCiphersuiteFromName(name)).catch((e) => e);
    expect(error).toBeInstanceOf(DaveSessionError);
    expect(error).toMatchObject(unsupported);
    expect(error.message).toContain(name);
  });

  it('ciphersuites with installed backends still work (P-384 through the stock provider)', async () => {
    const impl = await fastCryptoProvider.getCiphersuiteImpl(
      getCiphersuiteFromName('MLS_256_DHKEMP384_AES256GCM_SHA384_P384'),
    );
    expect(impl.kdf.size).toBe(48);
  });

  it('every stub export throws the typed error when used', () => {
    const classes = [
      stub.Chacha20Poly1305,
      stub.DhkemX448HkdfSha512,
      stub.MlKem512,
      stub.MlKem768,
      stub.MlKem1024,
      stub.XWing,
    ];
    for (const Backend of classes) expect(() => new Backend()).toThrow(expect.objectContaining(unsupported));
    for (const use of [stub.ml_dsa87.sign, stub.ml_dsa87.verify, stub.ml_dsa87.keygen])
      expect(use).toThrow(expect.objectContaining(unsupported));
  });
});
