// The fast provider must be a drop-in: members using it and members using ts-mls's stock providers
// share one group and derive the same exporter output (the DAVE sender base key) in every epoch.
import {
  acceptAll,
  createCommit,
  createGroup,
  decodeMlsMessage,
  defaultCryptoProvider,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  mlsExporter,
  nobleCryptoProvider,
  processMessage,
} from 'ts-mls';
import { describe, expect, it } from 'vitest';
import { fastCryptoProvider, generateP256KeyPair } from '../src/index.js';
import { credentialFor, DAVE_CAPABILITIES, DAVE_CIPHERSUITE, DAVE_LIFETIME } from '../src/mlsParameters.js';
import { senderKeyExporterContext } from '../src/keyRatchet.js';
import { MixedGroup, TsPeer } from './fixtures/mixedGroup.js';
import { toHex } from './fixtures/helpers.js';

const cs = getCiphersuiteFromName(DAVE_CIPHERSUITE);

describe('fast crypto provider', () => {
  it('interoperates with the stock providers: same exporter output in one group', async () => {
    const fast = await getCiphersuiteImpl(cs, fastCryptoProvider);
    const stock = await getCiphersuiteImpl(cs, defaultCryptoProvider);
    const noble = await getCiphersuiteImpl(cs, nobleCryptoProvider);
    const kp = (user: bigint, impl: typeof fast) =>
      generateKeyPackageWithKey(
        credentialFor(user),
        DAVE_CAPABILITIES,
        DAVE_LIFETIME,
        [],
        generateP256KeyPair(),
        impl,
      );
    const [a, b, c] = await Promise.all([kp(1n, fast), kp(2n, stock), kp(3n, noble)]);
    let A = await createGroup(new Uint8Array([7]), a.publicPackage, a.privatePackage, [], fast);
    const add = await createCommit(
      { state: A, cipherSuite: fast },
      {
        wireAsPublicMessage: true,
        ratchetTreeExtension: true,
        extraProposals: [b, c].map((k) => ({
          proposalType: 'add' as const,
          add: { keyPackage: k.publicPackage },
        })),
      },
    );
    A = add.newState;
    let B = await joinGroup(add.welcome!, b.publicPackage, b.privatePackage, emptyPskIndex, stock);
    let C = await joinGroup(add.welcome!, c.publicPackage, c.privatePackage, emptyPskIndex, noble);
    // A stock-provider member commits with an UpdatePath (signatures, HPKE, KDF all exercised).
    const update = await createCommit({ state: B, cipherSuite: stock }, { wireAsPublicMessage: true });
    B = update.newState;
    const wire = encodeMlsMessage(update.commit);
    const processed = async (state: typeof A, impl: typeof fast) => {
      const msg = decodeMlsMessage(wire, 0)![0];
      if (msg.wireformat !== 'mls_public_message') throw new Error('expected PublicMessage');
      const r = await processMessage(msg, state, emptyPskIndex, acceptAll, impl);
      return r.newState;
    };
    A = await processed(A, fast);
    C = await processed(C, noble);
    const ctx = senderKeyExporterContext('158049329150427136');
    const out = await Promise.all(
      [
        [A, fast],
        [B, stock],
        [C, noble],
      ].map(([s, impl]) =>
        mlsExporter(
          (s as typeof A).keySchedule.exporterSecret,
          'Discord Secure Frames v0',
          ctx,
          16,
          impl as typeof fast,
        ),
      ),
    );
    expect(A.groupContext.epoch).toBe(2n);
    expect(toHex(out[0]!)).toBe(toHex(out[1]!));
    expect(toHex(out[0]!)).toBe(toHex(out[2]!));
  });

  it('a DaveSession on the stock provider and one on the fast provider share media keys', async () => {
    const g = new MixedGroup('42');
    const fastPeer = new TsPeer('1001', '42');
    const stockPeer = new TsPeer('1002', '42', { cryptoProvider: defaultCryptoProvider });
    await g.create([fastPeer, stockPeer], stockPeer.uid);
    await g.round({
      joiners: [new TsPeer('1003', '42', { cryptoProvider: nobleCryptoProvider })],
      winner: fastPeer.uid,
    });
    await g.checkAgreement();
  });

  it('rejects a forged signature and a malformed one without throwing', async () => {
    const fast = await getCiphersuiteImpl(cs, fastCryptoProvider);
    const { signKey, publicKey } = await fast.signature.keygen();
    expect(publicKey).toHaveLength(65);
    const msg = new TextEncoder().encode('hello');
    const sig = await fast.signature.sign(signKey, msg);
    expect(await fast.signature.verify(publicKey, msg, sig)).toBe(true);
    expect(
      await (await getCiphersuiteImpl(cs, defaultCryptoProvider)).signature.verify(publicKey, msg, sig),
    ).toBe(true);
    const bad = Uint8Array.from(sig);
    bad[bad.length - 1]! ^= 1;
    expect(await fast.signature.verify(publicKey, msg, bad)).toBe(false);
    expect(await fast.signature.verify(publicKey, msg, new Uint8Array(3))).toBe(false);
    expect(await fast.kdf.expand(new Uint8Array(16), new Uint8Array(0), 16)).toHaveLength(16); // 16-byte PRK accepted
  });
});
