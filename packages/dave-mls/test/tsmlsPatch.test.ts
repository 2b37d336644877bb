// Each fix of patches/ts-mls@1.6.4.patch, pinned by a scenario that fails on the stock 1.6.4
// (research/interop-check.md 4.1-4.3). Plain ts-mls calls, no DaveSession, so the session's own
// defences cannot hide a missing patch.
import {
  acceptAll,
  type ClientState,
  createCommit,
  createGroup,
  decodeMlsMessage,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
  type Proposal,
  processMessage,
} from 'ts-mls';
import { encodeKeyPackage } from 'ts-mls/keyPackage.js';
import { describe, expect, it } from 'vitest';
import { ExternalSender, fastCryptoProvider, generateP256KeyPair } from '../src/index.js';
import {
  credentialFor,
  DAVE_CAPABILITIES,
  DAVE_CIPHERSUITE,
  DAVE_LIFETIME,
  groupIdFor,
} from '../src/mlsParameters.js';
import { encodeVector } from '../src/mlsWire.js';

const suite = () => getCiphersuiteImpl(getCiphersuiteFromName(DAVE_CIPHERSUITE), fastCryptoProvider);
type Member = { state: ClientState };
type Kp = { publicPackage: KeyPackage; privatePackage: PrivateKeyPackage };

async function keyPackage(user: bigint): Promise<Kp> {
  return generateKeyPackageWithKey(
    credentialFor(user),
    DAVE_CAPABILITIES,
    DAVE_LIFETIME,
    [],
    generateP256KeyPair(),
    await suite(),
  );
}

/** `committer` commits `proposals` inline; every other listed member processes it. Returns the Welcome, if any. */
async function commit(committer: Member, others: Member[], proposals: Proposal[]) {
  const cs = await suite();
  const r = await createCommit(
    { state: committer.state, cipherSuite: cs },
    { extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true },
  );
  committer.state = r.newState;
  const bytes = encodeMlsMessage(r.commit);
  for (const m of others) {
    const msg = decodeMlsMessage(bytes, 0)![0] as MLSMessage & { wireformat: 'mls_public_message' };
    m.state = (await processMessage(msg, m.state, emptyPskIndex, acceptAll, cs)).newState;
  }
  return r.welcome;
}

async function join(welcome: Parameters<typeof joinGroup>[0], kp: Kp): Promise<Member> {
  return {
    state: await joinGroup(welcome, kp.publicPackage, kp.privatePackage, emptyPskIndex, await suite()),
  };
}

/** The two tree scenarios use no extension, so each test fails on its own bug alone. */
async function founder(externalSender?: ExternalSender): Promise<Member> {
  const kp = await keyPackage(1n);
  const extensions = externalSender
    ? [
        {
          extensionType: 'external_senders' as const,
          extensionData: encodeVector(externalSender.package),
        },
      ]
    : [];
  return {
    state: await createGroup(
      groupIdFor(CHANNEL),
      kp.publicPackage,
      kp.privatePackage,
      extensions,
      await suite(),
    ),
  };
}

const CHANNEL = 9n;
const add = (kp: Kp): Proposal => ({ proposalType: 'add', add: { keyPackage: kp.publicPackage } });
const remove = (leaf: number): Proposal => ({ proposalType: 'remove', remove: { removed: leaf } });

describe('ts-mls 1.6.4 patch set', () => {
  it('external_senders is read as the RFC 9420 vector: a proposal signed by sender 0 verifies and commits', async () => {
    // Stock 1.6.4 reads extension_data as one bare ExternalSender: createGroup rejects the vector
    // Discord sends, and sender_index 0 would resolve to a misread key, failing the signature.
    const gateway = new ExternalSender();
    const a = await founder(gateway);
    const kb = await keyPackage(2n);
    const proposal = gateway.proposeAdd(CHANNEL, 0n, encodeKeyPackage(kb.publicPackage));
    const message = decodeMlsMessage(proposal, 0)![0] as MLSMessage & { wireformat: 'mls_public_message' };
    a.state = (await processMessage(message, a.state, emptyPskIndex, acceptAll, await suite())).newState;
    const pending = Object.values(a.state.unappliedProposals);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ proposal: { proposalType: 'add' }, senderLeafIndex: undefined });
    // Committing the external Add (by reference) brings B in at leaf 1.
    const welcome = await commit(a, [], []);
    const b = await join(welcome!, kb);
    expect(b.state.privatePath.leafIndex).toBe(1);
    expect(b.state.groupContext.epoch).toBe(1n);
  });

  it('a member removed by a commit whose Add refills its slot is told it was removed', async () => {
    const a = await founder();
    const [kb, kc, kd] = await Promise.all([keyPackage(2n), keyPackage(3n), keyPackage(4n)]);
    const welcome = await commit(a, [], [add(kb), add(kc)]);
    const b = await join(welcome!, kb);
    const c = await join(welcome!, kc);
    expect(b.state.privatePath.leafIndex).toBe(1);
    // Remove(B) and Add(D) in one commit: D lands in B's freed leaf 1.
    await commit(a, [b, c], [remove(1), add(kd)]);
    expect(b.state.groupActiveState.kind).toBe('removedFromGroup');
    expect(c.state.groupContext.epoch).toBe(a.state.groupContext.epoch);
  });

  it('joinGroup accepts a tree whose re-keyed ancestor no longer lists an unmerged leaf (RFC 9420 12.4.3.1)', async () => {
    // Leaves 0..7; node 11 is the parent of leaves 4..7, node 7 the root.
    const a = await founder();
    const kps = await Promise.all([2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n].map(keyPackage));
    const w1 = await commit(a, [], kps.slice(0, 6).map(add)); // leaves 1..6, no path
    const f = await join(w1!, kps[4]!); // leaf 5
    await commit(f, [a], []); // F's path keys nodes 9, 11 and the root
    const w2 = await commit(a, [f], [add(kps[6]!)]); // L at leaf 7: unmerged in node 11 and the root
    await join(w2!, kps[6]!);
    await commit(a, [f], []); // A re-keys the root from the left: the root's unmerged list is empty again
    expect(a.state.ratchetTree[11]).toMatchObject({ nodeType: 'parent', parent: { unmergedLeaves: [7] } });
    expect(a.state.ratchetTree[7]).toMatchObject({ nodeType: 'parent', parent: { unmergedLeaves: [] } });
    const w3 = await commit(a, [f], [add(kps[7]!)]);
    // Stock 1.6.4 throws "non-blank intermediate node must list leaf node in its unmerged_leaves" here.
    const j = await join(w3!, kps[7]!);
    expect(j.state.groupContext.epoch).toBe(a.state.groupContext.epoch);
  });
});
