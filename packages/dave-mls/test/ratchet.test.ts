import fc from 'fast-check';
import { defaultCryptoProvider, getCiphersuiteFromName, getCiphersuiteImpl, mlsExporter } from 'ts-mls';
import { describe, expect, it } from 'vitest';
import {
  deriveTreeSecret,
  expandWithLabel,
  HashRatchet,
  RatchetGenerationError,
  SENDER_KEY_EXPORTER_LABEL,
  SENDER_KEY_EXPORTER_LENGTH,
  senderBaseSecrets,
  senderKeyExporterContext,
} from '../src/keyRatchet.js';
import { DAVE_CIPHERSUITE } from '../src/mlsParameters.js';
import { DaveError } from '../src/errors.js';
import { hex, loadFixture, toHex } from './fixtures/helpers.js';

const vectors = loadFixture('dave.json');

describe('DAVE hash ratchet (research/dave.md 3; vector from davey hash_ratchet.rs, MIT)', () => {
  const base = hex(vectors.ratchet.baseSecret);

  it('derives the published generation-0 key and nonce from a 16-byte base secret', () => {
    expect(toHex(new HashRatchet(base).getKey(0))).toBe(vectors.ratchet.generation0.key);
    expect(toHex(deriveTreeSecret(base, 'nonce', 0, 12))).toBe(vectors.ratchet.generation0.nonce);
  });

  it('derives generation 1 through the 32-byte chain secret (regression value)', () => {
    expect(toHex(new HashRatchet(base).getKey(1))).toBe(vectors.ratchet.generation1.key);
  });

  it('jumping ahead caches the skipped keys; deleted keys cannot be derived again', () => {
    const ratchet = new HashRatchet(base);
    const key3 = toHex(ratchet.getKey(3));
    expect(ratchet.cachedGenerations).toEqual([0, 1, 2, 3]);
    expect(toHex(ratchet.getKey(0))).toBe(vectors.ratchet.generation0.key);
    ratchet.deleteKey(0);
    ratchet.deleteKey(1);
    expect(ratchet.cachedGenerations).toEqual([2, 3]);
    expect(() => ratchet.getKey(0)).toThrow(RatchetGenerationError);
    expect(() => ratchet.getKey(1)).toThrow(DaveError);
    expect(toHex(ratchet.getKey(3))).toBe(key3);
    expect(toHex(ratchet.getKey(1 + 3))).toHaveLength(32);
  });

  it("does not keep a reference to the caller's base secret", () => {
    const copy = Uint8Array.from(base);
    const ratchet = new HashRatchet(copy);
    copy.fill(0);
    expect(toHex(ratchet.getKey(0))).toBe(vectors.ratchet.generation0.key);
  });
});

describe('MLS key derivation (RFC 9420 test vectors, crypto-basics, cipher suite 2)', () => {
  const mls = loadFixture('mls-crypto-basics.json');

  it('ExpandWithLabel encodes u16 length, "MLS 1.0 "+label and context as MLS vectors', () => {
    const v = mls.expand_with_label;
    expect(toHex(expandWithLabel(hex(v.secret), v.label, hex(v.context), v.length))).toBe(v.out);
  });

  it('DeriveSecret is ExpandWithLabel with an empty context and the hash length', () => {
    const v = mls.derive_secret;
    expect(toHex(expandWithLabel(hex(v.secret), v.label, new Uint8Array(0), 32))).toBe(v.out);
  });

  it('DeriveTreeSecret puts the generation in the context as a u32', () => {
    // The vector's generation is 0xA0A0A0A0, the same in either byte order: the generation-1 value
    // above is what pins big-endian.
    const v = mls.derive_tree_secret;
    expect(toHex(deriveTreeSecret(hex(v.secret), v.label, v.generation, v.length))).toBe(v.out);
  });
});

describe('sender key exporter inputs', () => {
  it('context is the user id as u64 little-endian', () => {
    expect(SENDER_KEY_EXPORTER_LABEL).toBe('Discord Secure Frames v0');
    expect(toHex(senderKeyExporterContext('158533742254751744'))).toBe('0000024099393302');
    expect(toHex(senderKeyExporterContext(1n))).toBe('0100000000000000');
    expect(() => senderKeyExporterContext('18446744073709551616')).toThrow(DaveError);
    expect(() => senderKeyExporterContext('x')).toThrow(DaveError);
  });
});

describe('sender base secrets (one DeriveSecret per epoch)', () => {
  it("equal ts-mls's mlsExporter on its stock provider for any exporter secret and user ids", async () => {
    const suite = await getCiphersuiteImpl(getCiphersuiteFromName(DAVE_CIPHERSUITE), defaultCryptoProvider);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String), { minLength: 1, maxLength: 6 }),
        async (exporterSecret, userIds) => {
          const ours = senderBaseSecrets(exporterSecret, userIds);
          const theirs = await Promise.all(
            userIds.map((id) =>
              mlsExporter(
                exporterSecret,
                SENDER_KEY_EXPORTER_LABEL,
                senderKeyExporterContext(id),
                SENDER_KEY_EXPORTER_LENGTH,
                suite,
              ),
            ),
          );
          expect(ours.map(toHex)).toEqual(theirs.map(toHex));
        },
      ),
      { numRuns: 50 },
    );
  });
});
