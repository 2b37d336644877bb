// Hostile or broken MLS input: every case gives a typed DaveSessionError and leaves the session as it
// was, proven by processing the genuine message afterwards.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createCommit,
  createGroup,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from 'ts-mls';
import { decodeKeyPackage } from 'ts-mls/keyPackage.js';
import { encodeWelcome } from 'ts-mls/welcome.js';
import { DaveSession, DaveSessionError, ExternalSender, fastCryptoProvider } from '../src/index.js';
import {
  credentialFor,
  DAVE_CAPABILITIES,
  DAVE_CIPHERSUITE,
  DAVE_LIFETIME,
  groupIdFor,
} from '../src/mlsParameters.js';
import { encodeVector } from '../src/mlsWire.js';
import { generateP256KeyPair } from '../src/providerFast.js';
import { DaveyPeer, MixedGroup, TsPeer } from './fixtures/mixedGroup.js';

const CHANNEL = '927310423890473011';
let nextUid = 700000000000000000n;
const uid = () => (nextUid++).toString();

function snapshot(s: DaveSession) {
  return {
    status: s.status,
    epoch: s.epoch,
    refs: s.queuedProposalRefs,
    code: s.voicePrivacyCode,
    users: s.getUserIds(),
    leaf: s.ownLeafIndex,
  };
}

async function expectTyped(promise: Promise<unknown>, code?: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DaveSessionError);
  if (code) expect((error as DaveSessionError).code).toBe(code);
}

/** A 3-member group (ours, davey, ours) and a pending Add for a fourth, not yet given to anyone. */
async function scenario() {
  const g = new MixedGroup(CHANNEL);
  const a = new TsPeer(uid(), CHANNEL);
  const b = new DaveyPeer(uid(), CHANNEL);
  const c = new TsPeer(uid(), CHANNEL);
  await g.create([a, b, c], b.uid);
  const d = new DaveyPeer(uid(), CHANNEL);
  await g.connect([d]);
  const add = g.externalSender.proposeAdd(CHANNEL, g.epoch, await d.keyPackage());
  return { g, a, b, c, d, add };
}

describe('bad MLS input leaves the session unchanged', () => {
  it('truncated, forged, wrong-group, wrong-epoch and foreign-signer proposals', async () => {
    const { g, a, add } = await scenario();
    const before = snapshot(a.session);
    const good = ExternalSender.appendPayload([add]);
    const recognized = [...g.recognized];

    for (let cut = 1; cut < good.length; cut += 37) {
      await expectTyped(a.session.processProposals(0, good.subarray(1, cut), recognized), 'DAVE_MLS_DECODE');
    }
    const forgedSignature = Uint8Array.from(good);
    forgedSignature[forgedSignature.length - 5]! ^= 0x01;
    await expectTyped(a.session.processProposals(0, forgedSignature.subarray(1), recognized));
    const otherGroup = g.externalSender.proposeAdd('5', g.epoch, decodeAddKeyPackage(add));
    await expectTyped(
      a.session.processProposals(0, ExternalSender.appendPayload([otherGroup]).subarray(1), recognized),
      'DAVE_MLS_WRONG_GROUP',
    );
    for (const epoch of [g.epoch - 1n, g.epoch + 1n, g.epoch + 5n]) {
      const wrongEpoch = g.externalSender.proposeAdd(CHANNEL, epoch, decodeAddKeyPackage(add));
      await expectTyped(
        a.session.processProposals(0, ExternalSender.appendPayload([wrongEpoch]).subarray(1), recognized),
        'DAVE_MLS_WRONG_EPOCH',
      );
    }
    // Same bytes signed by someone who is not op 25's external sender.
    const impostor = new ExternalSender();
    const forged = impostor.proposeAdd(CHANNEL, g.epoch, decodeAddKeyPackage(add));
    await expectTyped(
      a.session.processProposals(0, ExternalSender.appendPayload([forged]).subarray(1), recognized),
      'DAVE_MLS_REJECTED',
    );
    // A batch whose second proposal is bad is refused as a whole.
    await expectTyped(
      a.session.processProposals(0, ExternalSender.appendPayload([add, forged]).subarray(1), recognized),
    );
    await expectTyped(
      a.session.processProposals(1, encodeVector(encodeVector(new Uint8Array(32))), recognized),
      'DAVE_MLS_UNKNOWN_PROPOSAL',
    );
    await expectTyped(a.session.processProposals(7, good.subarray(1), recognized), 'DAVE_INVALID_ARGUMENT');
    expect(snapshot(a.session)).toEqual(before);

    // The genuine round still goes through for everyone.
    await g.round({ joiners: [new DaveyPeer(uid(), CHANNEL)], winner: a.uid });
    await g.checkAgreement();
  });

  it('truncated and forged commits, and commits for another epoch', async () => {
    const { g, a, b, c, add } = await scenario();
    const op27 = ExternalSender.appendPayload([add]);
    const recognized = [...g.recognized];
    let commit: Uint8Array | undefined;
    for (const m of g.members.values()) {
      const r = await m.processProposals(op27, recognized);
      if (m === b) commit = r.commit;
    }
    const before = snapshot(a.session);

    for (let cut = 0; cut < commit!.length; cut += 53)
      await expectTyped(a.session.processCommit(commit!.subarray(0, cut)));
    await expectTyped(a.session.processCommit(Uint8Array.of(...commit!, 0)), 'DAVE_MLS_DECODE');
    for (const at of [40, 100, commit!.length - 40, commit!.length - 2]) {
      const forged = Uint8Array.from(commit!);
      forged[at]! ^= 0x10;
      await expectTyped(a.session.processCommit(forged));
    }
    expect(snapshot(a.session)).toEqual(before);

    // After the real commit, replaying it (now for an old epoch) is refused too.
    expect((await a.session.processCommit(commit!)).removed).toBe(false);
    await c.processCommit(commit!);
    await b.processCommit(commit!);
    const after = snapshot(a.session);
    await expectTyped(a.session.processCommit(commit!), 'DAVE_MLS_WRONG_EPOCH');
    expect(snapshot(a.session)).toEqual(after);
  });

  it('fuzzed bytes into every MLS entry point give typed errors only', async () => {
    const { a } = await scenario();
    const before = snapshot(a.session);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 600 }),
        fc.integer({ min: 0, max: 2 }),
        async (bytes, which) => {
          const op =
            which === 0
              ? a.session.processProposals((bytes[0] ?? 0) & 1, bytes.subarray(1), null)
              : which === 1
                ? a.session.processCommit(bytes)
                : a.session.processWelcome(bytes);
          await expectTyped(op);
        },
      ),
      { numRuns: 150, seed: 42 },
    );
    expect(snapshot(a.session)).toEqual(before);
  });
});

/** The raw KeyPackage inside an Add proposal message made by ExternalSender (to re-sign it differently). */
function decodeAddKeyPackage(addMessage: Uint8Array): Uint8Array {
  // MLSMessage: version(2) wire_format(2) group_id<V> epoch(8) sender(1+4) authenticated_data<V> content_type(1) proposal_type(2) KeyPackage signature<V>
  let off = 4;
  off += 1 + addMessage[off]!; // 8-byte group id with a 1-byte length
  off += 8 + 5 + 1 + 1 + 2;
  const [, consumed] = decodeKeyPackage(addMessage, off)!;
  return addMessage.subarray(off, off + consumed);
}

describe('Welcome checks', () => {
  async function welcomeFrom(externalSendersVector: Uint8Array, extraMembers: string[], joiner: DaveSession) {
    const cs = await getCiphersuiteImpl(getCiphersuiteFromName(DAVE_CIPHERSUITE), fastCryptoProvider);
    const kp = async (user: string) =>
      generateKeyPackageWithKey(
        credentialFor(BigInt(user)),
        DAVE_CAPABILITIES,
        DAVE_LIFETIME,
        [],
        generateP256KeyPair(),
        cs,
      );
    const creator = await kp(uid());
    const state = await createGroup(
      groupIdFor(BigInt(CHANNEL)),
      creator.publicPackage,
      creator.privatePackage,
      [{ extensionType: 'external_senders', extensionData: externalSendersVector }],
      cs,
    );
    const joinerKp = decodeKeyPackage(await joiner.getSerializedKeyPackage(), 0)![0];
    const others = await Promise.all(extraMembers.map(kp));
    const result = await createCommit(
      { state, cipherSuite: cs },
      {
        wireAsPublicMessage: true,
        ratchetTreeExtension: true,
        extraProposals: [joinerKp, ...others.map((o) => o.publicPackage)].map((keyPackage) => ({
          proposalType: 'add' as const,
          add: { keyPackage },
        })),
      },
    );
    return encodeWelcome(result.welcome!);
  }

  it('refuses two external senders, a different one, and duplicate identities; accepts the right one', async () => {
    const gateway = new ExternalSender();
    const joiner = new DaveSession(1, uid(), CHANNEL);
    await joiner.setExternalSender(gateway.package);
    const before = snapshot(joiner);

    const two = encodeVector(gateway.package, new ExternalSender().package);
    await expectTyped(
      joiner.processWelcome(await welcomeFrom(two, [], joiner)),
      'DAVE_MLS_EXTERNAL_SENDER_MISMATCH',
    );
    const other = encodeVector(new ExternalSender().package);
    await expectTyped(
      joiner.processWelcome(await welcomeFrom(other, [], joiner)),
      'DAVE_MLS_EXTERNAL_SENDER_MISMATCH',
    );
    const right = encodeVector(gateway.package);
    await expectTyped(
      joiner.processWelcome(await welcomeFrom(right, [joiner.userId], joiner)),
      'DAVE_MLS_DUPLICATE_IDENTITY',
    );
    const good = await welcomeFrom(right, [uid()], joiner);
    for (let cut = 0; cut < good.length; cut += 97)
      await expectTyped(joiner.processWelcome(good.subarray(0, cut)));
    expect(snapshot(joiner)).toEqual(before);

    await joiner.processWelcome(good);
    expect(joiner.status).toBe(3);
    expect(joiner.getUserIds()).toHaveLength(3);
  });
});
