// The two speed changes of patches/ts-mls@1.6.4.patch keep every value RFC 9420 defines:
// - the secret tree derived on demand gives each leaf the secrets of the eager tree (section 9),
//   checked against a derivation written here from the RFC's formulas;
// - remembered leaf hashes give the tree hash of a from-scratch computation (section 7.8), checked
//   by hashing the same trees through fresh LeafNode copies that no cache has seen.
import fc from 'fast-check';
import {
  createCommit,
  createGroup,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type Proposal,
} from 'ts-mls';
import { expandWithLabel } from 'ts-mls/crypto/kdf.js';
import { consumeRatchet, createSecretTree, deriveKey } from 'ts-mls/secretTree.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { describe, expect, it } from 'vitest';
import { fastCryptoProvider, generateP256KeyPair } from '../src/index.js';
import { credentialFor, DAVE_CAPABILITIES, DAVE_CIPHERSUITE, DAVE_LIFETIME } from '../src/mlsParameters.js';
import { toHex } from './fixtures/helpers.js';

const suite = () => getCiphersuiteImpl(getCiphersuiteFromName(DAVE_CIPHERSUITE), fastCryptoProvider);
const utf8 = (s: string) => new TextEncoder().encode(s);

/** RFC 9420 4.1 array tree math for a tree of `leaves` leaves (a power of two). */
const level = (x: number) => {
  let k = 0;
  while (((x >> k) & 1) === 1) k++;
  return k;
};
const rootOf = (leaves: number) => leaves - 1;
const leftOf = (x: number) => x ^ (1 << (level(x) - 1));
const rightOf = (x: number) => x ^ (3 << (level(x) - 1));

describe('secret tree derived on demand (RFC 9420 9)', () => {
  it("every leaf's first application key equals the eager derivation from encryption_secret", async () => {
    const cs = await suite();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 2, 4, 8, 16, 64),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async (leaves, encryptionSecret) => {
          // Eager, as section 9 writes it: tree_node_[x] for every node, then each leaf's ratchet root.
          const nodes: Uint8Array[] = [];
          const derive = async (x: number, secret: Uint8Array): Promise<void> => {
            nodes[x] = secret;
            if (level(x) === 0) return;
            await derive(leftOf(x), await expandWithLabel(secret, 'tree', utf8('left'), 32, cs.kdf));
            await derive(rightOf(x), await expandWithLabel(secret, 'tree', utf8('right'), 32, cs.kdf));
          };
          await derive(rootOf(leaves), encryptionSecret);
          const lazy = await createSecretTree(leaves, encryptionSecret, cs.kdf);
          for (let leaf = 0; leaf < leaves; leaf++) {
            const ratchetRoot = await expandWithLabel(
              nodes[2 * leaf]!,
              'application',
              new Uint8Array(0),
              32,
              cs.kdf,
            );
            const expected = await deriveKey(ratchetRoot, 0, cs);
            const consumed = await consumeRatchet(lazy, 2 * leaf, 'application', cs);
            expect([leaf, consumed.generation, toHex(consumed.key)]).toEqual([leaf, 0, toHex(expected)]);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('tree hash with remembered leaf hashes (RFC 9420 7.8)', () => {
  it('equals the hash of the same tree built from fresh LeafNode copies, through adds and removes', async () => {
    const cs = await suite();
    const kp = async (user: bigint) =>
      generateKeyPackageWithKey(
        credentialFor(user),
        DAVE_CAPABILITIES,
        DAVE_LIFETIME,
        [],
        generateP256KeyPair(),
        cs,
      );
    const first = await kp(1n);
    let state = await createGroup(new Uint8Array([7]), first.publicPackage, first.privatePackage, [], cs);
    const steps: Proposal[][] = [];
    for (let user = 2n; user < 9n; user++)
      steps.push([{ proposalType: 'add', add: { keyPackage: (await kp(user)).publicPackage } }]);
    steps.push([{ proposalType: 'remove', remove: { removed: 3 } }]);
    steps.push([{ proposalType: 'add', add: { keyPackage: (await kp(20n)).publicPackage } }]);
    for (const proposals of steps) {
      state = (
        await createCommit(
          { state, cipherSuite: cs },
          { extraProposals: proposals, wireAsPublicMessage: true },
        )
      ).newState;
      const tree = state.ratchetTree;
      const fresh = structuredClone(tree);
      const live = toHex(await treeHashRoot(tree, cs.hash));
      const again = toHex(await treeHashRoot(tree, cs.hash));
      const scratch = toHex(await treeHashRoot(fresh, cs.hash));
      expect([live, again, scratch]).toEqual([toHex(state.groupContext.treeHash), live, live]);
    }
  });
});
