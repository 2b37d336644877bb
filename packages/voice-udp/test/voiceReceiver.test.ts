import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DropReason,
  type ReceivedFrame,
  type ReceivedRtcp,
  SILENCE_FRAME,
  VoiceReceiver,
  VoiceSender,
  buildKeepalive,
  buildRtpPacket,
  createTransportCipher,
  decryptVoicePacket,
  encodeOneByteExtensions,
} from '../src/index.js';
import { lossyReorder, seededRandom } from './seededRandom.js';

const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

function setup(options: { depth?: number } = {}) {
  const frames: ReceivedFrame[] = [];
  const rtcp: ReceivedRtcp[] = [];
  const drops: DropReason[] = [];
  const hookCalls: [string, number[]][] = [];
  const receiver = new VoiceReceiver({
    cipher: createTransportCipher('aead_aes256_gcm_rtpsize', key),
    playout: { depth: options.depth ?? 1 },
    transform: {
      transformInbound(userId, payload) {
        hookCalls.push([userId, [...payload]]);
        if (payload[0] === 0xee) return null; // "DAVE could not decrypt"
        return payload.subarray(0, payload.length - 2);
      },
    },
    onFrame: (frame) => frames.push(frame),
    onRtcp: (packet) => rtcp.push(packet),
    onDrop: (reason) => drops.push(reason),
  });
  const sender = createTransportCipher('aead_aes256_gcm_rtpsize', key);
  return { receiver, sender, frames, rtcp, drops, hookCalls };
}

describe('VoiceReceiver', () => {
  it('strips the extension body and padding before the frame hook, and maps SSRC to user', () => {
    const { receiver, sender, frames, hookCalls } = setup();
    receiver.mapSsrc(5, 'alice');
    const extensionBody = encodeOneByteExtensions([{ id: 1, data: Uint8Array.of(0x90) }]);
    const datagram = sender.encryptRtp(
      buildRtpPacket({ sequence: 1, timestamp: 960, ssrc: 5, csrcs: [99] }, Uint8Array.of(1, 2, 0xfa, 0xfa), {
        extensionBody,
        paddingLength: 3,
      }),
    );
    expect(receiver.handleDatagram(datagram)).toBe('rtp');
    expect(hookCalls).toEqual([['alice', [1, 2, 0xfa, 0xfa]]]);
    expect(frames).toEqual([
      { ssrc: 5, userId: 'alice', sequence: 1, timestamp: 960, opus: Uint8Array.of(1, 2) },
    ]);
  });

  it('passes silence frames around the frame hook', () => {
    const { receiver, sender, frames, hookCalls } = setup();
    receiver.mapSsrc(5, 'alice');
    receiver.handleDatagram(
      sender.encryptRtp(buildRtpPacket({ sequence: 1, timestamp: 0, ssrc: 5 }, SILENCE_FRAME)),
    );
    expect(hookCalls).toEqual([]);
    expect(frames[0]!.opus).toEqual(SILENCE_FRAME);
  });

  it('drops and counts unknown SSRCs, forged tags, truncation, hook refusals, wrong payload types and junk', () => {
    const { receiver, sender, frames, drops } = setup();
    receiver.mapSsrc(5, 'alice');
    const good = sender.encryptRtp(
      buildRtpPacket({ sequence: 1, timestamp: 0, ssrc: 5 }, Uint8Array.of(1, 2, 3)),
    );
    const forged = good.slice();
    forged[14]! ^= 1;
    // Authentic but malformed inside: the padding bit is set and the count is larger than the body.
    const badPadding = buildRtpPacket({ sequence: 4, timestamp: 0, ssrc: 5 }, Uint8Array.of(1, 2, 3));
    badPadding[0]! |= 0x20;
    badPadding[badPadding.length - 1] = 200;
    const results = [
      receiver.handleDatagram(
        sender.encryptRtp(buildRtpPacket({ sequence: 1, timestamp: 0, ssrc: 6 }, Uint8Array.of(1))),
      ),
      receiver.handleDatagram(forged),
      receiver.handleDatagram(good.subarray(0, 20)),
      receiver.handleDatagram(
        sender.encryptRtp(buildRtpPacket({ sequence: 2, timestamp: 0, ssrc: 5 }, Uint8Array.of(0xee, 0, 0))),
      ),
      receiver.handleDatagram(
        sender.encryptRtp(
          buildRtpPacket({ sequence: 3, timestamp: 0, ssrc: 5, payloadType: 96 }, Uint8Array.of(1)),
        ),
      ),
      receiver.handleDatagram(sender.encryptRtp(badPadding)),
      receiver.handleDatagram(Uint8Array.of(1, 2, 3)),
      receiver.handleDatagram(buildKeepalive(5)),
    ];
    expect(results).toEqual([
      'dropped',
      'dropped',
      'dropped',
      'dropped',
      'dropped',
      'dropped',
      'dropped',
      'keepalive',
    ]);
    expect(drops).toEqual([
      'unknown_ssrc',
      'auth_failed',
      'too_short',
      'frame_hook',
      'payload_type',
      'malformed',
      'not_rtp',
    ]);
    expect(frames).toEqual([]);
    expect(receiver.stats.dropped).toMatchObject({
      unknown_ssrc: 1,
      auth_failed: 1,
      too_short: 1,
      frame_hook: 1,
      malformed: 1,
    });
  });

  it('surfaces RTCP as its own event', () => {
    const { receiver, sender, rtcp } = setup();
    const report = Uint8Array.of(0x80, 201, 0, 1, 0, 0, 0, 5);
    expect(receiver.handleDatagram(sender.encryptRtcp(report))).toBe('rtcp');
    expect(rtcp).toEqual([
      { header: { packetType: 201, count: 0, lengthWords: 1, ssrc: 5 }, packet: report },
    ]);
  });

  it('reorders per SSRC with 5 % loss (seeded), reporting loss per stream', () => {
    const { receiver, sender, frames } = setup({ depth: 5 });
    receiver.mapSsrc(1, 'alice');
    receiver.mapSsrc(2, 'bob');
    const random = seededRandom(7);
    const dropped = new Map<number, number>();
    const arrivals: Uint8Array[][] = [];
    for (const ssrc of [1, 2]) {
      const packets = Array.from({ length: 500 }, (_, i) =>
        sender.encryptRtp(
          buildRtpPacket({ sequence: i, timestamp: i * 960, ssrc }, Uint8Array.of(i % 200, ssrc, 0xfa, 0xfa)),
        ),
      );
      const { arrived, dropped: lost } = lossyReorder(packets, random);
      dropped.set(ssrc, lost.length);
      arrivals.push(arrived);
    }
    // interleave the two speakers
    for (let i = 0; i < Math.max(arrivals[0]!.length, arrivals[1]!.length); i++) {
      for (const list of arrivals) if (list[i]) receiver.handleDatagram(list[i]!);
    }
    receiver.flush();
    for (const [ssrc, user] of [
      [1, 'alice'],
      [2, 'bob'],
    ] as const) {
      const mine = frames.filter((f) => f.ssrc === ssrc);
      expect(mine.every((f) => f.userId === user)).toBe(true);
      expect(mine.map((f) => f.sequence)).toEqual(Array.from({ length: 500 }, (_, i) => i));
      expect(mine.filter((f) => f.opus === null)).toHaveLength(dropped.get(ssrc)!);
      expect(receiver.playoutStats(ssrc)).toMatchObject({ lost: dropped.get(ssrc), late: 0 });
      for (const frame of mine) if (frame.opus) expect([...frame.opus]).toEqual([frame.sequence % 200, ssrc]);
    }
  });

  it('never throws on arbitrary datagrams', () => {
    const { receiver } = setup();
    receiver.mapSsrc(0, 'zero');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(['rtp', 'rtcp', 'keepalive', 'dropped']).toContain(receiver.handleDatagram(bytes));
      }),
      { numRuns: 3000 },
    );
    expect(receiver.stats.rtp).toBe(0);
  });
});

describe('VoiceReceiver SSRC mapping', () => {
  it('a user mapped to a new SSRC retires the old stream (flushing it), so streams stay one per user', () => {
    const frames: ReceivedFrame[] = [];
    const receiver = new VoiceReceiver({
      cipher: createTransportCipher('aead_aes256_gcm_rtpsize', key),
      playout: { depth: 5 },
      onFrame: (frame) => frames.push(frame),
    });
    const sender = createTransportCipher('aead_aes256_gcm_rtpsize', key);
    receiver.mapSsrc(1, 'dave');
    receiver.handleDatagram(
      sender.encryptRtp(buildRtpPacket({ sequence: 7, timestamp: 0, ssrc: 1 }, Uint8Array.of(7))),
    );
    expect(frames).toEqual([]);
    // SPEAKING after a rejoin, then a server spraying fresh SSRCs for the same user.
    for (let ssrc = 2; ssrc < 1000; ssrc++) receiver.mapSsrc(ssrc, 'dave');
    expect(receiver.streamCount).toBe(1);
    expect(receiver.userForSsrc(1)).toBeUndefined();
    expect(receiver.userForSsrc(999)).toBe('dave');
    // What the old stream held was delivered, not lost silently.
    expect(frames.map((f) => [f.ssrc, f.sequence])).toEqual([[1, 7]]);
    receiver.mapSsrc(5, 'erin');
    expect(receiver.streamCount).toBe(2);
  });
});

describe('VoiceReceiver idle flush and re-keying', () => {
  it('releases a short spurt held by the fill phase once the stream has been idle', () => {
    let now = 0;
    const frames: ReceivedFrame[] = [];
    const receiver = new VoiceReceiver({
      cipher: createTransportCipher('aead_aes256_gcm_rtpsize', key),
      playout: { depth: 5 },
      now: () => now,
      onFrame: (frame) => frames.push(frame),
    });
    receiver.mapSsrc(9, 'carol');
    const sender = createTransportCipher('aead_aes256_gcm_rtpsize', key);
    for (const sequence of [2, 1]) {
      receiver.handleDatagram(
        sender.encryptRtp(buildRtpPacket({ sequence, timestamp: 0, ssrc: 9 }, Uint8Array.of(sequence))),
      );
    }
    now = 50;
    receiver.flushIdle(100);
    expect(frames).toEqual([]);
    now = 100;
    receiver.flushIdle(100);
    expect(frames.map((f) => f.sequence)).toEqual([1, 2]);
  });

  it('a sender switched to a new key keeps its sequence and is decrypted only with the new key', () => {
    const sent: Uint8Array[] = [];
    const oldKey = new Uint8Array(32).fill(1);
    const newKey = new Uint8Array(32).fill(2);
    const sender = new VoiceSender({
      ssrc: 3,
      cipher: createTransportCipher('aead_aes256_gcm_rtpsize', oldKey),
      send: (d) => sent.push(d),
      source: () => Uint8Array.of(1),
      random: () => 100,
    });
    sender.prepare();
    sender.dispatch();
    sender.setCipher(createTransportCipher('aead_aes256_gcm_rtpsize', newKey));
    sender.prepare();
    sender.dispatch();
    const decrypt = (k: Uint8Array, d: Uint8Array) =>
      decryptVoicePacket(createTransportCipher('aead_aes256_gcm_rtpsize', k), d);
    expect(decrypt(oldKey, sent[0]!).ok).toBe(true);
    const second = decrypt(newKey, sent[1]!);
    expect(second.ok && second.value.header.sequence).toBe(101);
    expect(decrypt(oldKey, sent[1]!).ok).toBe(false);
  });
});
