import { describe, expect, it } from 'vitest';
import vectors from './fixtures/rtp-transport.json' with { type: 'json' };
import {
  NonceCounter,
  TRANSPORT_ENCRYPTION_MODES,
  type TransportEncryptionMode,
  buildRtpPacket,
  chooseTransportMode,
  createTransportCipher,
  decryptVoicePacket,
  encodeOneByteExtensions,
  nobleCryptoBackend,
  nodeCryptoBackend,
  transportOverhead,
} from '../src/index.js';

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('discord.js RTP samples (shared/vectors/rtp-transport.json)', () => {
  // The tests below are generated from the fixture: an emptied fixture must fail here, not
  // silently leave nothing to run.
  it('has a sample for each AEAD mode to check', () => {
    expect(vectors.samples.map((s) => s.mode).sort()).toEqual([
      'aead_aes256_gcm_rtpsize',
      'aead_xchacha20_poly1305_rtpsize',
    ]);
  });

  for (const sample of vectors.samples) {
    for (const backend of [nodeCryptoBackend, nobleCryptoBackend]) {
      it(`${sample.name} decrypts with the ${backend.name} backend`, () => {
        const cipher = createTransportCipher(sample.mode as TransportEncryptionMode, hex(sample.key), {
          backend,
        });
        const result = decryptVoicePacket(cipher, hex(sample.packet));
        if (!result.ok) throw result.error;
        expect(toHex(result.value.rtp.subarray(sample.aadLength))).toBe(sample.plaintext);
        expect(toHex(result.value.payload)).toBe(sample.opus);
        expect(toHex(result.value.extensionBody)).toBe(sample.extensionBody ?? '');
        expect(result.value.header.headerLength).toBe(sample.aadLength);
      });
    }
  }

  it('re-encrypting a sample with its own nonce reproduces the captured bytes', () => {
    for (const sample of vectors.samples) {
      const packet = hex(sample.packet);
      const tail = packet.subarray(packet.length - 4);
      const start = ((tail[0]! << 24) | (tail[1]! << 16) | (tail[2]! << 8) | tail[3]!) >>> 0;
      const cipher = createTransportCipher(sample.mode as TransportEncryptionMode, hex(sample.key), {
        nonce: new NonceCounter({ start }),
      });
      const plain = cipher.decryptRtp(packet);
      if (!plain.ok) throw plain.error;
      expect(toHex(cipher.encryptRtp(plain.value))).toBe(sample.packet);
    }
  });
});

describe('every mode round-trips on both backends, with CSRC, extension and padding', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
  const opus = Uint8Array.from({ length: 57 }, (_, i) => (i * 31) & 0xff);
  const extensionBody = encodeOneByteExtensions([{ id: 1, data: Uint8Array.of(0x90) }]);
  const rtp = buildRtpPacket(
    { sequence: 65535, timestamp: 0xfffffc00, ssrc: 0x1234, csrcs: [7, 8], marker: true },
    opus,
    { extensionBody, paddingLength: 3 },
  );
  for (const mode of TRANSPORT_ENCRYPTION_MODES) {
    it(mode, () => {
      const sender = createTransportCipher(mode, key, { backend: nodeCryptoBackend });
      const receiver = createTransportCipher(mode, key, { backend: nobleCryptoBackend });
      const datagram = sender.encryptRtp(rtp);
      expect(datagram.length).toBe(rtp.length + transportOverhead(mode));
      const result = decryptVoicePacket(receiver, datagram);
      if (!result.ok) throw result.error;
      expect(toHex(result.value.rtp)).toBe(toHex(rtp));
      expect(toHex(result.value.payload)).toBe(toHex(opus));
      expect(result.value.header.csrcs).toEqual([7, 8]);
      expect(toHex(result.value.extensionBody)).toBe(toHex(extensionBody));
      // The rtpsize modes leave CSRCs and the extension preamble in clear; the others only 12 bytes.
      const clear = mode.endsWith('_rtpsize') ? 12 + 8 + 4 : 12;
      expect(toHex(datagram.subarray(0, clear))).toBe(toHex(rtp.subarray(0, clear)));
      expect(toHex(datagram.subarray(clear, clear + 8))).not.toBe(toHex(rtp.subarray(clear, clear + 8)));
      // one flipped bit anywhere is rejected, never thrown
      for (let i = 0; i < datagram.length; i++) {
        const forged = datagram.slice();
        forged[i] ^= 0x01;
        const forgedResult = receiver.decryptRtp(forged);
        // AEAD modes authenticate the clear header as AAD; xsalsa20_poly1305 derives its nonce
        // from it; the lite and suffix modes leave it unauthenticated (a reason they were retired).
        const headerAuthenticated = mode.startsWith('aead') || mode === 'xsalsa20_poly1305';
        if (headerAuthenticated || i >= clear) expect(forgedResult.ok).toBe(false);
      }
    });
  }
});

describe('ownership of returned bytes', () => {
  it('a datagram is a plain Uint8Array that later packets never overwrite, and slice() copies it', () => {
    const cipher = createTransportCipher('aead_aes256_gcm_rtpsize', new Uint8Array(32));
    const rtp = buildRtpPacket({ sequence: 1, timestamp: 1, ssrc: 1 }, new Uint8Array(200).fill(9));
    const first = cipher.encryptRtp(rtp);
    expect(Buffer.isBuffer(first)).toBe(false);
    const before = toHex(first);
    const copy = first.slice();
    copy[0] = 0;
    expect(first[0]).toBe(0x80);
    // Enough packets to fill several 16 KiB slabs: none of them lands on `first`.
    const opened = [];
    for (let i = 0; i < 400; i++) opened.push(cipher.decryptRtp(cipher.encryptRtp(rtp)));
    expect(opened.every((r) => r.ok)).toBe(true);
    expect(toHex(first)).toBe(before);
  });
});

describe('nonces', () => {
  it('AEAD datagrams carry consecutive counters from a random start', () => {
    const cipher = createTransportCipher('aead_aes256_gcm_rtpsize', new Uint8Array(32), {
      nonce: new NonceCounter({ start: 0xfffffffe }),
    });
    const rtp = buildRtpPacket({ sequence: 1, timestamp: 1, ssrc: 1 }, Uint8Array.of(0xf8, 0xff, 0xfe));
    const tails = [0, 1, 2].map(() => toHex(cipher.encryptRtp(rtp).subarray(-4)));
    expect(tails).toEqual(['fffffffe', 'ffffffff', '00000000']);
  });

  it('the counter refuses to repeat a value under one key', () => {
    const counter = new NonceCounter({ start: 5, issued: 2 ** 32 - 2 });
    expect(counter.remaining).toBe(2);
    expect(counter.next()).toBe(3);
    expect(counter.next()).toBe(4);
    expect(counter.remaining).toBe(0);
    // the next value would be 5 again: refused
    expect(() => counter.next()).toThrowError(expect.objectContaining({ code: 'NONCE_EXHAUSTED' }));
    const cipher = createTransportCipher('aead_xchacha20_poly1305_rtpsize', new Uint8Array(32), {
      nonce: counter,
    });
    const rtp = buildRtpPacket({ sequence: 1, timestamp: 1, ssrc: 1 }, Uint8Array.of(1));
    expect(() => cipher.encryptRtp(rtp)).toThrowError(expect.objectContaining({ code: 'NONCE_EXHAUSTED' }));
  });

  it('picks AES-GCM first, XChaCha as the fallback, nothing deprecated by default', () => {
    expect(
      chooseTransportMode([
        'xsalsa20_poly1305',
        'aead_xchacha20_poly1305_rtpsize',
        'aead_aes256_gcm_rtpsize',
      ]),
    ).toBe('aead_aes256_gcm_rtpsize');
    expect(chooseTransportMode(['aead_xchacha20_poly1305_rtpsize'])).toBe('aead_xchacha20_poly1305_rtpsize');
    expect(chooseTransportMode(['xsalsa20_poly1305_lite'])).toBeNull();
  });
});

describe('forwarding between members (what an SFU does)', () => {
  it('decrypts with the sender key and re-encrypts for each receiver in its own mode, keeping CSRC and extension', () => {
    const extensionBody = encodeOneByteExtensions([{ id: 2, data: Uint8Array.of(7, 7) }]);
    const original = buildRtpPacket(
      { sequence: 9, timestamp: 99, ssrc: 1, csrcs: [42] },
      Uint8Array.of(1, 2, 3),
      {
        extensionBody,
      },
    );
    const keyA = new Uint8Array(32).fill(0xa);
    const fromA = createTransportCipher('aead_aes256_gcm_rtpsize', keyA).encryptRtp(original);
    const inbound = decryptVoicePacket(createTransportCipher('aead_aes256_gcm_rtpsize', keyA), fromA);
    if (!inbound.ok) throw inbound.error;
    for (const mode of TRANSPORT_ENCRYPTION_MODES) {
      const keyB = new Uint8Array(32).fill(0xb);
      const toB = createTransportCipher(mode, keyB).encryptRtp(inbound.value.rtp);
      const atB = decryptVoicePacket(createTransportCipher(mode, keyB), toB);
      if (!atB.ok) throw atB.error;
      expect(toHex(atB.value.rtp)).toBe(toHex(original));
      expect(atB.value.header.csrcs).toEqual([42]);
      expect(toHex(atB.value.extensionBody)).toBe(toHex(extensionBody));
    }
  });
});
