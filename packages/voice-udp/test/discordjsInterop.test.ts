/**
 * Cross-check of our transport encryption against @discordjs/voice 0.19 (devDependency), driven
 * through its own classes: Networking.prototype.createAudioPacket (its send path) and
 * VoiceReceiver.prototype.parsePacket (its receive path). Same key, nonce and header in → the same
 * bytes out, and each side decrypts the other.
 */
import { Networking, VoiceReceiver } from '@discordjs/voice';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  NonceCounter,
  type TransportEncryptionMode,
  buildRtpPacket,
  createTransportCipher,
  decryptVoicePacket,
  encodeOneByteExtensions,
} from '../src/index.js';

type Mode = Extract<TransportEncryptionMode, `aead_${string}`>;
const MODES: Mode[] = ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'];

interface ConnectionData {
  secretKey: Uint8Array;
  encryptionMode: Mode;
  nonce: number;
  nonceBuffer: Buffer;
  sequence: number;
  timestamp: number;
  ssrc: number;
}

const networking = Networking.prototype as unknown as {
  createAudioPacket(opus: Buffer, data: ConnectionData, dave?: unknown): Buffer;
  encryptOpusPacket: unknown;
};
const receiver = VoiceReceiver.prototype as unknown as {
  parsePacket(buffer: Buffer, mode: Mode, nonce: Buffer, key: Uint8Array, userId: string): Buffer;
  decrypt: unknown;
};

/** discord.js's sender: the nonce it writes is `nonce + 1` (it increments before use). */
function discordjsEncrypt(
  mode: Mode,
  key: Uint8Array,
  counter: number,
  seq: number,
  ts: number,
  ssrc: number,
  opus: Uint8Array,
): Buffer {
  const data: ConnectionData = {
    secretKey: key,
    encryptionMode: mode,
    nonce: counter - 1,
    nonceBuffer: Buffer.alloc(mode === 'aead_aes256_gcm_rtpsize' ? 12 : 24),
    sequence: seq,
    timestamp: ts,
    ssrc,
  };
  const self = { encryptOpusPacket: networking.encryptOpusPacket };
  return networking.createAudioPacket.call(self, Buffer.from(opus), data, undefined);
}

function discordjsDecrypt(mode: Mode, key: Uint8Array, datagram: Uint8Array): Buffer {
  // parsePacket only touches voiceConnection to look for a DAVE session; a non-ready one has none.
  const self = { decrypt: receiver.decrypt, voiceConnection: { state: { status: 'signalling' } } };
  const nonce = Buffer.alloc(mode === 'aead_aes256_gcm_rtpsize' ? 12 : 24);
  return receiver.parsePacket.call(self, Buffer.from(datagram), mode, nonce, key, 'user');
}

beforeAll(async () => {
  // @discordjs/voice loads its XChaCha library (here @noble/ciphers) asynchronously at import.
  for (let i = 0; i < 100; i++) {
    try {
      discordjsEncrypt('aead_xchacha20_poly1305_rtpsize', new Uint8Array(32), 1, 0, 0, 0, new Uint8Array(1));
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  throw new Error('@discordjs/voice never loaded an XChaCha20 backend');
});

describe('@discordjs/voice interop', () => {
  for (const mode of MODES) {
    it(`${mode}: our datagrams equal discord.js's byte for byte, for any key, nonce, header and frame`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.integer({ min: 1, max: 0xffffffff }),
          fc.integer({ min: 0, max: 0xffff }),
          fc.nat({ max: 0xffffffff }),
          fc.nat({ max: 0xffffffff }),
          fc.uint8Array({ minLength: 1, maxLength: 400 }),
          (key, counter, sequence, timestamp, ssrc, opus) => {
            const ours = createTransportCipher(mode, key, {
              nonce: new NonceCounter({ start: counter }),
            }).encryptRtp(buildRtpPacket({ sequence, timestamp, ssrc }, opus));
            const theirs = discordjsEncrypt(mode, key, counter, sequence, timestamp, ssrc, opus);
            expect(Buffer.from(ours).toString('hex')).toBe(theirs.toString('hex'));
          },
        ),
        { numRuns: 100 },
      );
    });

    it(`${mode}: discord.js decrypts our packets with a header extension, and we decrypt theirs`, () => {
      const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
      const cipher = createTransportCipher(mode, key);
      const opus = Uint8Array.from({ length: 90 }, (_, i) => i);
      const extensionBody = encodeOneByteExtensions([{ id: 1, data: Uint8Array.of(0x90) }]);
      for (const options of [{}, { extensionBody }]) {
        const datagram = cipher.encryptRtp(
          buildRtpPacket({ sequence: 10, timestamp: 960, ssrc: 77 }, opus, options),
        );
        expect(discordjsDecrypt(mode, key, datagram).toString('hex')).toBe(Buffer.from(opus).toString('hex'));
      }
      const theirs = discordjsEncrypt(mode, key, 5, 1, 2, 3, opus);
      const decrypted = decryptVoicePacket(cipher, theirs);
      if (!decrypted.ok) throw decrypted.error;
      expect(decrypted.value.payload).toEqual(opus);
    });
  }
});
