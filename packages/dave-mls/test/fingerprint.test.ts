import { describe, expect, it } from 'vitest';
import { generateVerificationCode } from '../src/codes.js';
import {
  DaveFingerprintError,
  generateKeyFingerprint,
  generatePairwiseFingerprint,
  parseUserId,
} from '../src/fingerprint.js';
import { davey } from './fixtures/daveyPeers.js';
import { hex, loadFixture, toHex } from './fixtures/helpers.js';

const vectors = loadFixture('dave.json');

describe('key fingerprint (research/dave.md 5)', () => {
  it('is u16 version || key || u64 BE user id (vector)', () => {
    const v = vectors.keyFingerprint[0];
    expect(toHex(generateKeyFingerprint(v.version, hex(v.key), v.userId))).toBe(v.fingerprint);
    expect(toHex(generateKeyFingerprint(v.version, hex(v.key), BigInt(v.userId)))).toBe(v.fingerprint);
  });

  it('matches davey.generateKeyFingerprint', () => {
    const key = Buffer.from(Array.from({ length: 65 }, (_, i) => (i * 31) & 0xff));
    for (const userId of ['0', '1', '158533742254751744', '18446744073709551615']) {
      expect(toHex(generateKeyFingerprint(0, key, userId))).toBe(
        toHex(davey.generateKeyFingerprint(0, key, userId)),
      );
    }
  });

  it('rejects other versions, empty keys and non-snowflake ids', () => {
    expect(() => generateKeyFingerprint(1, new Uint8Array(65), '1')).toThrow(DaveFingerprintError);
    expect(() => generateKeyFingerprint(0, new Uint8Array(0), '1')).toThrow(DaveFingerprintError);
    expect(() => parseUserId('18446744073709551616')).toThrow(DaveFingerprintError);
    expect(() => parseUserId('-1')).toThrow(DaveFingerprintError);
    expect(() => parseUserId('12a')).toThrow(DaveFingerprintError);
  });
});

describe('pairwise fingerprint (scrypt N=16384 r=8 p=2, 64 bytes)', () => {
  // The vector tests below are generated from the fixture: an emptied fixture must fail here.
  it('has both published pairwise vectors (research/dave.md 6)', () => {
    expect(vectors.pairwiseFingerprint.map((v: { localUserId: string }) => v.localUserId)).toEqual([
      '1234',
      '1',
    ]);
  });

  for (const v of vectors.pairwiseFingerprint) {
    it(`vector ${v.localUserId}/${v.remoteUserId}${v.note ? ` (${v.note})` : ''}, in both orders`, async () => {
      const [forward, backward] = await Promise.all([
        generatePairwiseFingerprint(0, hex(v.localKey), v.localUserId, hex(v.remoteKey), v.remoteUserId),
        generatePairwiseFingerprint(0, hex(v.remoteKey), v.remoteUserId, hex(v.localKey), v.localUserId),
      ]);
      expect(toHex(forward)).toBe(v.fingerprint);
      expect(toHex(backward)).toBe(v.fingerprint);
    });
  }

  it('matches davey.generatePairwiseFingerprint, and so its verification code', async () => {
    const localKey = Buffer.from(Array.from({ length: 65 }, (_, i) => (i * 13 + 4) & 0xff));
    const remoteKey = Buffer.from(Array.from({ length: 65 }, (_, i) => (i * 7 + 200) & 0xff));
    const [ours, theirs] = await Promise.all([
      generatePairwiseFingerprint(0, localKey, '1001', remoteKey, '2002'),
      davey.generatePairwiseFingerprint(0, localKey, '1001', remoteKey, '2002'),
    ]);
    expect(toHex(ours)).toBe(toHex(theirs));
    // The 45-digit code from our fingerprint equals the one davey's own code function makes.
    expect(generateVerificationCode(ours)).toBe(davey.generateDisplayableCode(theirs, 45, 5));
  });
});
