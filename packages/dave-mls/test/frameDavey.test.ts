// Cross-checks of the frame format against @snazzah/davey 0.1.12 (an independent Rust implementation).
// davey does not expose its media keys, so these compare everything that is visible without them:
// trailer layout, nonce sequence, unencrypted ranges and the clear bytes for every codec. The
// colleague's group interop tests decrypt davey frames end to end.
import { beforeAll, describe, expect, it } from 'vitest';
import { OutboundFrame, processFrame } from '../src/codecs/index.js';
import { ParsedFrame, parseFrame } from '../src/frameCodec.js';
import { FrameDecryptor } from '../src/frameDecryptor.js';
import { FrameEncryptor } from '../src/frameEncryptor.js';
import { DaveFrameError, DaveFrameErrorCode } from '../src/frameErrors.js';
import { HashRatchet } from '../src/keyRatchet.js';
import { Codec, MediaType, OPUS_SILENCE_FRAME } from '../src/media.js';
import { establishDaveyPair } from './fixtures/daveyPeers.js';
import { hex, loadFixture, toHex } from './fixtures/helpers.js';

const ranges = loadFixture('libdave-codec-ranges.json');

// biome-ignore lint/suspicious/noExplicitAny: davey session objects are untyped here.
let sender: any;
beforeAll(() => {
  sender = establishDaveyPair().a;
});

function clearBytes(frame: Uint8Array, parsed: ParsedFrame): string {
  let out = '';
  for (let i = 0; i < parsed.ranges.length; i += 2) {
    out += toHex(frame.subarray(parsed.ranges[i]!, parsed.ranges[i]! + parsed.ranges[i + 1]!));
  }
  return out;
}

describe('davey-encrypted frames parse with our frame codec', () => {
  it('Opus: nonces count up from where the session is, no ranges, 8-byte tag', () => {
    const parsed = new ParsedFrame();
    const media = Buffer.from('deadbeefcafe0011223344', 'hex');
    const first = sender.encryptOpus(media);
    expect(parseFrame(first, parsed)).toBeNull();
    const nonce = parsed.truncatedNonce;
    expect(parsed.ranges).toEqual([]);
    expect(parsed.mediaEnd).toBe(media.length);
    expect(first.length).toBe(media.length + 8 + 1 + 1 + 2);
    expect(parseFrame(sender.encryptOpus(media), parsed)).toBeNull();
    expect(parsed.truncatedNonce).toBe(nonce + 1);
  });

  it('both implementations return the Opus silence frame as is', () => {
    expect(toHex(sender.encryptOpus(Buffer.from(OPUS_SILENCE_FRAME)))).toBe('f8fffe');
    const ours = new FrameEncryptor();
    ours.setKeyRatchet(new HashRatchet(new Uint8Array(16)));
    expect(ours.encrypt(MediaType.AUDIO, Codec.OPUS, OPUS_SILENCE_FRAME)).toBe(OPUS_SILENCE_FRAME);
  });

  const samples: [string, Codec, string][] = [
    ...ranges.h264.map((v: { name: string; frame: string }) => [v.name, Codec.H264, v.frame]),
    ...ranges.h265.map((v: { name: string; frame: string }) => [v.name, Codec.H265, v.frame]),
    ['VP8 key frame', Codec.VP8, `10${'ab'.repeat(40)}`],
    ['VP8 delta frame', Codec.VP8, `11${'ab'.repeat(40)}`],
    ['VP9', Codec.VP9, 'cd'.repeat(50)],
    ['AV1 TD + seq header (padded size) + frame OBU', Codec.AV1, `1200${'0a8300aabbcc'}${'3640'}03010203`],
    ['AV1 single OBU without size', Codec.AV1, `30${'77'.repeat(20)}`],
  ];

  it.each(samples)('%s: same ranges, same clear bytes, same length as ours', (_name, codec, frameHex) => {
    const media = Buffer.from(frameHex, 'hex');
    const theirs: Uint8Array = sender.encrypt(MediaType.VIDEO, codec, media);
    const parsed = new ParsedFrame();
    expect(parseFrame(theirs, parsed)).toBeNull();
    const split = new OutboundFrame();
    processFrame(codec, media, split);
    expect(parsed.ranges).toEqual(split.ranges);
    expect(parsed.mediaEnd).toBe(split.length);
    expect(clearBytes(theirs, parsed)).toBe(toHex(split.unencrypted.subarray(0, split.unencryptedLength)));
  });

  it('a davey frame under a key we do not have fails with a typed error, never a crash', () => {
    const decryptor = new FrameDecryptor();
    decryptor.transitionToKeyRatchet(new HashRatchet(new Uint8Array(16)));
    const frame = sender.encryptOpus(Buffer.alloc(50, 1));
    let error: unknown;
    try {
      decryptor.decrypt(MediaType.AUDIO, frame);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DaveFrameError);
    expect([DaveFrameErrorCode.AUTH_FAILED, DaveFrameErrorCode.GENERATION_TOO_EARLY]).toContain(
      (error as DaveFrameError).code,
    );
  });

  it('davey refuses our frame under its own key (both sides authenticate, neither accepts the other blindly)', () => {
    const encryptor = new FrameEncryptor();
    encryptor.setKeyRatchet(new HashRatchet(hex('00112233445566778899aabbccddeeff')));
    const { a, b, userA } = establishDaveyPair('7777', '3003', '4004');
    void a;
    expect(() =>
      b.decrypt(userA, 0, Buffer.from(encryptor.encrypt(MediaType.AUDIO, Codec.OPUS, Uint8Array.of(1, 2)))),
    ).toThrow();
  });
});
