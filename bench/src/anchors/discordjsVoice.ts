/**
 * How bench talks to @discordjs/voice's packet path (research/anchor-baselines.md section 3):
 * `Networking.prototype.createAudioPacket` (RTP header, encrypt, concat: what its audio cycle
 * sends) and `VoiceReceiver.prototype.parsePacket` (decrypt, strip padding and extension: what
 * its UDP handler pushes to a subscriber). Both are called on the library's own classes with the
 * connection-data shape they read; nothing of theirs is copied here.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Networking, VoiceReceiver } from '@discordjs/voice';
import { sleep } from '../harness.js';

export type AnchorMode = 'aead_aes256_gcm_rtpsize' | 'aead_xchacha20_poly1305_rtpsize';

interface ConnectionData {
  encryptionMode: AnchorMode;
  secretKey: Uint8Array;
  sequence: number;
  timestamp: number;
  ssrc: number;
  nonce: number;
  nonceBuffer: Buffer;
  packetsPlayed: number;
  speaking: boolean;
}

interface NetworkingInternals {
  createAudioPacket(opus: Buffer, data: ConnectionData, dave?: unknown): Buffer;
}

interface ReceiverInternals {
  parsePacket(buffer: Buffer, mode: AnchorMode, nonce: Buffer, secretKey: Uint8Array, userId: string): Buffer;
}

export interface AnchorVoicePath {
  /** one RTP packet as @discordjs/voice would send it (advances sequence, timestamp, nonce) */
  send(opus: Buffer): Buffer;
  /** one datagram as @discordjs/voice's receiver would turn it into Opus */
  receive(datagram: Buffer): Buffer;
}

/**
 * Which XChaCha backend @discordjs/voice picks: it tries these in order with a dynamic import
 * from its own location (its src/util/Secretbox.ts).
 */
export function anchorSecretboxBackend(): string {
  const require = createRequire(`${dirname(createRequire(import.meta.url).resolve('@discordjs/voice'))}/`);
  for (const name of [
    'sodium-native',
    'sodium',
    'libsodium-wrappers',
    '@stablelib/xchacha20poly1305',
    '@noble/ciphers/chacha.js',
  ]) {
    try {
      const entry = require.resolve(name);
      return `${name} ${packageVersionOf(entry)}`;
    } catch {}
  }
  return 'none';
}

/** The version in the nearest package.json above a resolved entry file. */
function packageVersionOf(entry: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name && pkg.version) return pkg.version;
    } catch {}
  }
  return '';
}

export async function anchorVoicePath(
  mode: AnchorMode,
  key: Uint8Array,
  ssrc: number,
): Promise<AnchorVoicePath> {
  const networking = Object.create(Networking.prototype) as NetworkingInternals;
  // parsePacket asks the connection whether DAVE is on; a connection that is not ready means no DAVE.
  const receiver = new VoiceReceiver({
    state: { status: 'signalling' },
  } as never) as unknown as ReceiverInternals;
  const data: ConnectionData = {
    encryptionMode: mode,
    secretKey: new Uint8Array(key),
    sequence: 0,
    timestamp: 0,
    ssrc,
    nonce: 0,
    nonceBuffer: Buffer.alloc(mode === 'aead_aes256_gcm_rtpsize' ? 12 : 24),
    packetsPlayed: 0,
    speaking: true,
  };
  const receiveNonce = Buffer.alloc(data.nonceBuffer.length);
  const path: AnchorVoicePath = {
    send(opus) {
      const packet = networking.createAudioPacket(opus, data);
      // What its audio cycle does after each packet (Networking.dispatchAudio).
      data.sequence = (data.sequence + 1) & 0xffff;
      data.timestamp = (data.timestamp + 960) >>> 0;
      return packet;
    },
    receive: (datagram) => receiver.parsePacket(datagram, mode, receiveNonce, data.secretKey, '1'),
  };
  // The secretbox library loads asynchronously at import; wait (bounded) until it answers.
  for (let i = 0; i < 200; i++) {
    try {
      path.send(Buffer.alloc(8));
      return path;
    } catch {
      await sleep(5);
    }
  }
  throw new Error(`@discordjs/voice could not encrypt with ${mode} (no secretbox backend loaded)`);
}
