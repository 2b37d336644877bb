import { DaveSession } from '@cordwire/dave-mls';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { readCommit } from '../src/voice/dave/commitHeader.js';
import { DaveInputError, DaveInputErrorCode } from '../src/voice/dave/daveInputError.js';
import { validateKeyPackage } from '../src/voice/dave/keyPackage.js';
import { startVoiceServer, type VoiceServer } from '../src/voice/index.js';
import { DaveMember, poll } from './helpers/daveMember.js';

const GUILD = '1400000000000000001';
const CHANNEL = '1400000000000000003';
const USER = '1500000000000000100';

async function keyPackageOf(userId: string): Promise<Uint8Array> {
  return new DaveSession(1, userId, CHANNEL).getSerializedKeyPackage();
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DaveInputError);
    return (error as DaveInputError).code;
  }
  return 'accepted';
}

/** Offset of the lifetime (u64 0, u64 2^64-1) inside a key package. */
function lifetimeAt(kp: Uint8Array): number {
  const pattern = Buffer.from('0000000000000000ffffffffffffffff', 'hex');
  const at = Buffer.from(kp).indexOf(pattern);
  expect(at).toBeGreaterThan(0);
  return at;
}

describe('op 26 validation', () => {
  it('accepts a real key package for its own user and names what is wrong with bad ones', async () => {
    const kp = await keyPackageOf(USER);
    expect(validateKeyPackage(kp, USER)).toMatchObject({ userId: USER });
    expect(validateKeyPackage(kp, USER).signatureKey).toHaveLength(65);
    expect(codeOf(() => validateKeyPackage(kp, '1500000000000000101'))).toBe(
      DaveInputErrorCode.KEY_PACKAGE_IDENTITY,
    );
    expect(codeOf(() => validateKeyPackage(kp.subarray(0, kp.length - 1), USER))).toBe(
      DaveInputErrorCode.KEY_PACKAGE_MALFORMED,
    );
    expect(codeOf(() => validateKeyPackage(Buffer.concat([kp, Uint8Array.of(0)]), USER))).toBe(
      DaveInputErrorCode.KEY_PACKAGE_MALFORMED,
    );
    const suite = Uint8Array.from(kp);
    suite[3] = 1;
    expect(codeOf(() => validateKeyPackage(suite, USER))).toBe(DaveInputErrorCode.KEY_PACKAGE_CIPHERSUITE);
    const lifetime = Uint8Array.from(kp);
    lifetime[lifetimeAt(kp) + 7] = 1;
    expect(codeOf(() => validateKeyPackage(lifetime, USER))).toBe(DaveInputErrorCode.KEY_PACKAGE_LIFETIME);
    // A flipped bit in the signature (the last bytes) or in the signed content.
    const signature = Uint8Array.from(kp);
    signature[signature.length - 5]! ^= 1;
    expect(codeOf(() => validateKeyPackage(signature, USER))).toBe(DaveInputErrorCode.KEY_PACKAGE_SIGNATURE);
    const initKey = Uint8Array.from(kp);
    initKey[10]! ^= 1;
    expect(codeOf(() => validateKeyPackage(initKey, USER))).toBe(DaveInputErrorCode.KEY_PACKAGE_SIGNATURE);
  });

  it('property: any bytes, or any mutation of a real key package, give a typed error or a valid package', async () => {
    const kp = await keyPackageOf(USER);
    const codes = new Set<string>(Object.values(DaveInputErrorCode));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(codes.has(codeOf(() => validateKeyPackage(bytes, USER)))).toBe(true);
      }),
      { numRuns: 300, seed: 26 },
    );
    fc.assert(
      fc.property(fc.nat(kp.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const mutated = Uint8Array.from(kp);
        mutated[at]! ^= xor;
        const code = codeOf(() => validateKeyPackage(mutated, USER));
        // Every byte of a key package is either parsed, checked or signed: no mutation is accepted.
        expect(code).not.toBe('accepted');
        expect(codes.has(code)).toBe(true);
      }),
      { numRuns: 300, seed: 27 },
    );
  });
});

describe('op 28 parsing', () => {
  it('property: any bytes give a typed error or a parsed header, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          const h = readCommit(bytes);
          expect(h.commit.length).toBeLessThanOrEqual(bytes.length);
        } catch (error) {
          expect(error).toBeInstanceOf(DaveInputError);
          expect((error as DaveInputError).code).toBe(DaveInputErrorCode.COMMIT_MALFORMED);
        }
      }),
      { numRuns: 500, seed: 28 },
    );
  });
});

describe('bad DAVE input over the socket', () => {
  let server: VoiceServer | undefined;
  const members: DaveMember[] = [];
  afterEach(async () => {
    for (const m of members) m.close();
    members.length = 0;
    await server?.close();
  });

  it('bad key packages and commits are rejected, counted and logged; the call still forms its group', async () => {
    const log: string[] = [];
    server = await startVoiceServer({ plainWs: true, logger: (l) => log.push(l) });
    const a = await DaveMember.join(server, {
      guildId: GUILD,
      channelId: CHANNEL,
      userId: USER,
      kind: 'ours',
    });
    members.push(a);
    await poll(() => a.binaryOps(25).length === 1, 'op 25 for a');
    // Garbage, a key package of someone else, and a commit while no proposals are out.
    a.sendBinary(26, Uint8Array.of(1, 2, 3));
    a.sendBinary(26, await keyPackageOf('1500000000000000999'));
    a.sendBinary(28, Uint8Array.of(0, 1, 0, 1, 0xff));
    await poll(() => {
      const r = server!.stats().daveRejected;
      return (
        r[DaveInputErrorCode.KEY_PACKAGE_MALFORMED] === 1 &&
        r[DaveInputErrorCode.KEY_PACKAGE_IDENTITY] === 1 &&
        r[DaveInputErrorCode.UNEXPECTED] === 1
      );
    }, 'three rejections');
    expect(log.some((l) => l.includes('EMULATOR_DAVE_KEY_PACKAGE_IDENTITY'))).toBe(true);
    // While b's proposals are out, a sends junk and a truncated commit: typed, and b's real commit still wins.
    a.holdProposals();
    const b = await DaveMember.join(server, {
      guildId: GUILD,
      channelId: CHANNEL,
      userId: '1500000000000000101',
      kind: 'davey',
    });
    members.push(b);
    b.holdProposals();
    await poll(() => a.binaryOps(27).length === 1 && b.binaryOps(27).length === 1, 'proposals out');
    a.sendBinary(28, Uint8Array.of(0, 1, 0, 1, 8, 1, 2));
    a.sendBinary(28, new Uint8Array(40));
    await poll(
      () => (server!.stats().daveRejected[DaveInputErrorCode.COMMIT_MALFORMED] ?? 0) === 2,
      'two malformed commits',
    );
    a.releaseProposals();
    b.releaseProposals();
    await poll(
      () =>
        server!.control.dave(GUILD, CHANNEL)?.lastExecutedTransition !== null &&
        a.impl!.privacyCode() !== '' &&
        a.impl!.privacyCode() === b.impl!.privacyCode(),
      'the group to form',
    );
    expect(server.stats().closes[4000]).toBeUndefined();
  });
});
