// Cross-checks of the frame format against @snazzah/davey 0.1.12 (an independent Rust implementation).
// davey does not expose its media keys, so these compare everything that is visible without them:
// trailer layout, nonce sequence, unencrypted ranges and the clear bytes for every codec. The
// colleague's group interop tests decrypt davey frames end to end.
import fc from 'fast-check';
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

  it("random structured frames: ranges and clear bytes equal davey's for every codec", () => {
    // davey 0.1.12 also panics on truncated slice headers (libdave's arithmetic there underflows), so
    // every generated NAL unit carries at least 8 non-zero payload bytes, enough for three Exp-Golomb
    // values; emulation-prevention sequences are mixed in after that.
    const nonZero = fc.uint8Array({ minLength: 8, maxLength: 14 }).map((b) => b.map((x) => x | 0x10));
    const nalu = fc
      .tuple(
        fc.constantFrom(Uint8Array.of(0, 0, 1), Uint8Array.of(0, 0, 0, 1)),
        fc.constantFrom(0x01, 0x05, 0x06, 0x07, 0x08, 0x41, 0x65, 0x02, 0x26, 0x40, 0x42, 0x4e),
        nonZero,
        fc.boolean(),
      )
      .map(([start, header, payload, emulation]) =>
        Uint8Array.from([...start, header, 0x01, ...payload, ...(emulation ? [0, 0, 3, 0x81] : [])]),
      );
    const obu = fc
      .tuple(
        fc.integer({ min: 0, max: 15 }),
        fc.boolean(),
        fc.boolean(),
        fc.uint8Array({ maxLength: 6 }),
        fc.boolean(),
      )
      .map(([type, ext, hasSize, payload, padSize]) => {
        const header = (type << 3) | (ext ? 4 : 0) | (hasSize ? 2 : 0);
        const size = hasSize ? (padSize ? [0x80 | payload.length, 0] : [payload.length]) : [];
        return Uint8Array.from([header, ...(ext ? [0x28] : []), ...size, ...payload]);
      });
    const join = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
    const frameArb = fc.oneof(
      fc.tuple(
        fc.constantFrom(Codec.H264, Codec.H265),
        fc.array(nalu, { minLength: 1, maxLength: 12 }).map(join),
      ),
      fc.tuple(fc.constant(Codec.AV1), fc.array(obu, { minLength: 1, maxLength: 4 }).map(join)),
      // davey 0.1.12 panics (aborting the process) on a VP8 key frame shorter than 10 bytes, so keep
      // VP8 frames at least that long here; frameCodecs tests cover our clamping of short ones.
      fc.tuple(fc.constantFrom(Codec.VP8, Codec.VP9), fc.uint8Array({ minLength: 10, maxLength: 30 })),
    );
    fc.assert(
      fc.property(frameArb, ([codec, media]) => {
        const theirs: Uint8Array = sender.encrypt(MediaType.VIDEO, codec, Buffer.from(media));
        const parsed = new ParsedFrame();
        expect(parseFrame(theirs, parsed)).toBeNull();
        const split = new OutboundFrame();
        processFrame(codec, media, split);
        expect(parsed.ranges).toEqual(split.ranges);
        expect(clearBytes(theirs, parsed)).toBe(
          toHex(split.unencrypted.subarray(0, split.unencryptedLength)),
        );
      }),
      { numRuns: 400 },
    );
  });
});
