import { describe, expect, it } from 'vitest';
import {
  DaveCodeError,
  generateDisplayableCode,
  generateVerificationCode,
  generateVoicePrivacyCode,
} from '../src/codes.js';
import { davey, establishDaveyPair } from './fixtures/daveyPeers.js';
import { hex, loadFixture } from './fixtures/helpers.js';

const vectors = loadFixture('dave.json');

describe('displayable codes (research/dave.md 5; vectors from davey/libdave tests, MIT)', () => {
  // The vector tests below are generated from the fixture: an emptied fixture must fail here.
  it('has both published displayable-code vectors', () => {
    expect(vectors.displayableCode.map((v: { code: string }) => v.code)).toEqual([
      '05870',
      '058708105556138052119572494877',
    ]);
  });

  for (const v of vectors.displayableCode as {
    data: string;
    length: number;
    group: number;
    code: string;
  }[]) {
    it(`${v.data.slice(0, 10)}… length ${v.length} group ${v.group} -> ${v.code}`, () => {
      expect(generateDisplayableCode(hex(v.data), v.length, v.group)).toBe(v.code);
    });
  }

  it('voice privacy code is 30 digits of the epoch authenticator; verification code 45 digits', () => {
    const data = hex(vectors.displayableCode[1].data);
    const authenticator = new Uint8Array(32);
    authenticator.set(data);
    expect(generateVoicePrivacyCode(authenticator)).toBe(vectors.displayableCode[1].code);
    expect(generateVerificationCode(new Uint8Array(64).fill(0xff))).toMatch(/^[0-9]{45}$/);
  });

  it('rejects bad arguments with a typed error, like davey', () => {
    expect(() => generateDisplayableCode(new Uint8Array(4), 5, 5)).toThrow(DaveCodeError);
    expect(() => generateDisplayableCode(new Uint8Array(10), 10, 3)).toThrow(DaveCodeError);
    expect(() => generateDisplayableCode(new Uint8Array(18), 18, 9)).toThrow(DaveCodeError);
    expect(() => generateDisplayableCode(new Uint8Array(18), 18, 0)).toThrow(DaveCodeError);
    expect(() => generateDisplayableCode(new Uint8Array(64), 45, 5)).not.toThrow();
    for (const [length, group] of [
      [5, 5],
      [10, 3],
      [18, 9],
    ] as const) {
      const data = Buffer.alloc(length === 5 ? 4 : length);
      expect(() => davey.generateDisplayableCode(data, length, group)).toThrow();
    }
  });

  it('matches davey.generateDisplayableCode on random inputs', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    };
    for (let i = 0; i < 200; i++) {
      const group = 1 + (i % 8);
      const length = group * (1 + (i % 7));
      const data = Buffer.from(Array.from({ length: length + (i % 3) }, random));
      expect(generateDisplayableCode(data, length, group)).toBe(
        davey.generateDisplayableCode(data, length, group),
      );
    }
  });

  it("equals a davey session's voicePrivacyCode for its epoch authenticator", () => {
    const { a, b } = establishDaveyPair();
    const authenticator = a.getEpochAuthenticator();
    expect(generateVoicePrivacyCode(authenticator)).toBe(a.voicePrivacyCode);
    expect(b.voicePrivacyCode).toBe(a.voicePrivacyCode);
  });
});
