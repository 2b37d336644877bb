import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TRANSPORT_ENCRYPTION_MODES,
  buildRtpPacket,
  createTransportCipher,
  decryptVoicePacket,
  encodeOneByteExtensions,
  isRtcpPacket,
  parseOneByteExtensions,
  parseRtcpHeader,
  parseRtpHeader,
  parseRtpPacket,
} from '../src/index.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('RTP header (anchors.md 3.3)', () => {
  it('builds the header Discord expects: 80 78 seq ts ssrc', () => {
    const packet = buildRtpPacket(
      { sequence: 0xa39c, timestamp: 0x9f0b83f0, ssrc: 0xc5b7 },
      Uint8Array.of(0xf8, 0xff, 0xfe),
    );
    expect(toHex(packet)).toBe('8078a39c9f0b83f00000c5b7f8fffe');
  });

  it('writes and reads CSRCs, a 0xBEDE extension, marker and padding', () => {
    const extensionBody = encodeOneByteExtensions([
      { id: 1, data: Uint8Array.of(0x90) },
      { id: 3, data: Uint8Array.of(1, 2, 3) },
    ]);
    expect(toHex(extensionBody)).toBe('1090320102030000');
    const packet = buildRtpPacket(
      { sequence: 1, timestamp: 2, ssrc: 3, csrcs: [4, 5], marker: true, payloadType: 111 },
      Uint8Array.of(9, 9),
      { extensionBody, paddingLength: 4 },
    );
    expect(packet[0]).toBe(0x80 | 0x20 | 0x10 | 2);
    expect(packet[1]).toBe(0x80 | 111);
    const parsed = parseRtpPacket(packet);
    if (!parsed.ok) throw parsed.error;
    expect(parsed.value.header).toMatchObject({
      padding: true,
      marker: true,
      payloadType: 111,
      sequence: 1,
      timestamp: 2,
      ssrc: 3,
      csrcs: [4, 5],
      extensionProfile: 0xbede,
      extensionWords: 2,
      headerLength: 12 + 8 + 4,
    });
    expect(toHex(parsed.value.payload)).toBe('0909');
    const elements = parseOneByteExtensions(parsed.value.extensionBody);
    expect(elements.ok && elements.value.map((e) => [e.id, toHex(e.data)])).toEqual([
      [1, '90'],
      [3, '010203'],
    ]);
  });

  it('rejects bad version, truncated CSRC/extension, and impossible padding', () => {
    const good = buildRtpPacket({ sequence: 1, timestamp: 1, ssrc: 1, csrcs: [1] }, Uint8Array.of(1, 2, 3), {
      extensionBody: new Uint8Array(4),
      paddingLength: 1,
    });
    const bad: Uint8Array[] = [good.subarray(0, 11), good.subarray(0, 15), good.subarray(0, 18)];
    const version1 = good.slice();
    version1[0] = (version1[0]! & 0x3f) | 0x40;
    bad.push(version1);
    const hugePadding = good.slice();
    hugePadding[hugePadding.length - 1] = 200;
    bad.push(hugePadding);
    const zeroPadding = good.slice();
    zeroPadding[zeroPadding.length - 1] = 0;
    bad.push(zeroPadding);
    for (const bytes of bad) {
      const result = parseRtpPacket(bytes);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('RTP_MALFORMED');
    }
  });

  it('detects RTCP (RFC 5761 §4) apart from Opus RTP', () => {
    expect(isRtcpPacket(Uint8Array.of(0x81, 200, 0, 6, 0, 0, 0, 1))).toBe(true);
    expect(isRtcpPacket(Uint8Array.of(0x81, 201, 0, 1, 0, 0, 0, 1))).toBe(true);
    expect(
      isRtcpPacket(buildRtpPacket({ sequence: 1, timestamp: 1, ssrc: 1, marker: true }, new Uint8Array(3))),
    ).toBe(false);
    expect(parseRtcpHeader(Uint8Array.of(0x81, 200, 0, 6, 0, 0, 0, 9))).toEqual({
      ok: true,
      value: { packetType: 200, count: 1, lengthWords: 6, ssrc: 9 },
    });
  });
});

const headerArbitrary = fc.record({
  sequence: fc.integer({ min: 0, max: 0xffff }),
  timestamp: fc.nat({ max: 0xffffffff }),
  ssrc: fc.nat({ max: 0xffffffff }),
  marker: fc.boolean(),
  payloadType: fc.integer({ min: 0, max: 127 }),
  csrcs: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 15 }),
});

describe('RTP properties', () => {
  it('build → parse round-trips any header, extension, payload and padding', () => {
    fc.assert(
      fc.property(
        headerArbitrary,
        fc.uint8Array({ maxLength: 200 }),
        fc.option(fc.integer({ min: 0, max: 8 }).map((words) => new Uint8Array(words * 4).fill(0x5a))),
        fc.integer({ min: 0, max: 255 }),
        (header, payload, extensionBody, paddingLength) => {
          const packet = buildRtpPacket(header, payload, {
            ...(extensionBody ? { extensionBody } : {}),
            paddingLength,
          });
          const parsed = parseRtpPacket(packet);
          if (!parsed.ok) throw parsed.error;
          expect(parsed.value.header).toMatchObject(header);
          expect(parsed.value.payload).toEqual(payload);
          expect(parsed.value.extensionBody).toEqual(extensionBody ?? new Uint8Array(0));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('parsers never throw on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        for (const result of [
          parseRtpHeader(bytes),
          parseRtpPacket(bytes),
          parseOneByteExtensions(bytes),
          parseRtcpHeader(bytes),
        ]) {
          if (!result.ok) expect(result.error.code).toBe('RTP_MALFORMED');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('decryptVoicePacket agrees with decryptRtp + parseRtpPacket on any plain packet, well-formed or not', () => {
    const key = new Uint8Array(32).fill(0x17);
    for (const mode of ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'] as const) {
      const cipher = createTransportCipher(mode, key);
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 12, maxLength: 160 }), (bytes) => {
          // Mostly version 2, so the padding/extension checks are reached, not just the version check.
          bytes[0] = (bytes[0]! & 0x3f) | (bytes[1]! & 1 ? bytes[0]! & 0xc0 : 0x80);
          const clear = cipher.clearLength(bytes);
          if (clear < 0) return;
          // Small extension lengths and padding counts, so both usually fit and the split is exercised.
          if (bytes[0]! & 0x10) bytes[clear - 2] = 0;
          if (bytes[0]! & 0x10) bytes[clear - 1]! &= 7;
          if (bytes[1]! & 2) bytes[bytes.length - 1]! &= 15;
          const datagram = cipher.encryptRtp(bytes);
          const plain = cipher.decryptRtp(datagram);
          expect(plain.ok).toBe(true);
          const expected = parseRtpPacket(plain.ok ? plain.value : new Uint8Array(0));
          const actual = decryptVoicePacket(cipher, datagram);
          expect(actual.ok).toBe(expected.ok);
          if (!actual.ok || !expected.ok) {
            expect(!actual.ok && actual.error.code).toBe(!expected.ok && expected.error.code);
            expect(!actual.ok && actual.error.message).toBe(!expected.ok && expected.error.message);
            return;
          }
          expect(actual.value.header).toEqual(expected.value.header);
          expect(toHex(actual.value.payload)).toBe(toHex(expected.value.payload));
          expect(toHex(actual.value.extensionBody)).toBe(toHex(expected.value.extensionBody));
          expect(toHex(actual.value.rtp)).toBe(toHex(bytes));
        }),
        { numRuns: 1000 },
      );
    }
  });

  it('decryption in every mode never throws and never accepts a mutated, truncated or random datagram', () => {
    const key = new Uint8Array(32).fill(0x42);
    for (const mode of TRANSPORT_ENCRYPTION_MODES) {
      const cipher = createTransportCipher(mode, key);
      const headerAuthenticated = mode.startsWith('aead') || mode === 'xsalsa20_poly1305';
      fc.assert(
        fc.property(
          headerArbitrary,
          fc.uint8Array({ minLength: 1, maxLength: 80 }),
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          fc.uint8Array({ maxLength: 120 }),
          (header, payload, position, flip, random) => {
            const datagram = cipher.encryptRtp(buildRtpPacket(header, payload));
            const clear = mode.endsWith('_rtpsize') ? 12 + 4 * header.csrcs.length : 12;
            const at = position % datagram.length;
            const forged = datagram.slice();
            forged[at]! ^= flip;
            const forgedResult = decryptVoicePacket(cipher, forged);
            if (headerAuthenticated || at >= clear) expect(forgedResult.ok).toBe(false);
            const truncated = decryptVoicePacket(cipher, datagram.subarray(0, position % datagram.length));
            expect(truncated.ok).toBe(false);
            expect(decryptVoicePacket(cipher, random).ok).toBe(false);
          },
        ),
        { numRuns: 150 },
      );
    }
  });
});
