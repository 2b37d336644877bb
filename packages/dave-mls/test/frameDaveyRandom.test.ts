// Our frame cipher against @snazzah/davey (Rust, OpenMLS + RustCrypto AES-GCM) on random media: in one
// mixed two-member group, davey decrypts every frame we encrypt and we decrypt every frame davey
// encrypts, for random Opus frames up to video sizes and for VP8 frames (which carry AAD: the clear
// payload header is authenticated, research/dave.md 5). Any difference in key, nonce layout, tag
// truncation or AAD makes one side's tag check fail.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Codec, MediaType } from '../src/index.js';
import { DaveyPeer, MixedGroup, TsPeer } from './fixtures/mixedGroup.js';

const CHANNEL = '927310423890473012';
let ours: TsPeer;
let theirs: DaveyPeer;

beforeAll(async () => {
  ours = new TsPeer('500000000000000001', CHANNEL);
  theirs = new DaveyPeer('500000000000000002', CHANNEL);
  await new MixedGroup(CHANNEL).create([ours, theirs], ours.uid);
});

const notSilence = (frame: Uint8Array) =>
  !(frame.length === 3 && frame[0] === 0xf8 && frame[1] === 0xff && frame[2] === 0xfe);

describe('random frames cross between our cipher and davey', () => {
  it('Opus, 1 to 1400 bytes, both directions', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 1400 }).filter(notSilence), (opus) => {
        const fromUs = ours.encryptOpus(opus);
        expect(Buffer.from(theirs.decrypt(ours.uid, fromUs)).equals(Buffer.from(opus))).toBe(true);
        const fromThem = theirs.encryptOpus(opus);
        expect(Buffer.from(ours.decrypt(theirs.uid, fromThem)).equals(Buffer.from(opus))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('VP8 key and delta frames (clear header authenticated as AAD), both directions', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ minLength: 10, maxLength: 1200 }), (key, body) => {
        const frame = Uint8Array.from(body);
        frame[0] = key ? frame[0]! & 0xfe : frame[0]! | 0x01;
        const fromUs = ours.session.encrypt(MediaType.VIDEO, Codec.VP8, frame);
        const theirPlain = new Uint8Array(
          theirs.session.decrypt(ours.uid, MediaType.VIDEO, Buffer.from(fromUs)),
        );
        expect(Buffer.from(theirPlain).equals(Buffer.from(frame))).toBe(true);
        const fromThem = new Uint8Array(
          theirs.session.encrypt(MediaType.VIDEO, Codec.VP8, Buffer.from(frame)),
        );
        expect(
          Buffer.from(ours.session.decrypt(theirs.uid, MediaType.VIDEO, fromThem)).equals(Buffer.from(frame)),
        ).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('AV1: both implementations decrypt the rewritten OBUs to the same plaintext', () => {
    // TD | sequence header with a padded size | padding OBU | frame OBU with extension (the frame of
    // frameCrypto's AV1 test): what travels is the rewritten frame, whoever encrypts or decrypts it.
    const frame = Buffer.from(`1200${'0a8300aabbcc'}${'7a01ff'}${'3640'}03010203`, 'hex');
    const rewritten = '0a03aabbcc3440010203';
    const fromUs = ours.session.encrypt(MediaType.VIDEO, Codec.AV1, new Uint8Array(frame));
    expect(
      Buffer.from(theirs.session.decrypt(ours.uid, MediaType.VIDEO, Buffer.from(fromUs))).toString('hex'),
    ).toBe(rewritten);
    const fromThem = new Uint8Array(theirs.session.encrypt(MediaType.VIDEO, Codec.AV1, frame));
    expect(Buffer.from(ours.session.decrypt(theirs.uid, MediaType.VIDEO, fromThem)).toString('hex')).toBe(
      rewritten,
    );
  });
});
