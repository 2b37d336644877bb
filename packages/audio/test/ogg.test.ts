import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OggOpusDemuxer,
  OggOpusMuxer,
  type OggOpusEvent,
  demuxOggOpus,
  oggCrc32,
  opusPacketSamples,
  readOggPage,
  writeOggPage,
} from '../src/index.js';

/** A CELT 20 ms stereo TOC byte (config 31, s=1, c=0) followed by `body`. */
function packetOf(body: Uint8Array): Uint8Array {
  const p = new Uint8Array(body.length + 1);
  p[0] = 0xfc;
  p.set(body, 1);
  return p;
}

function mux(packets: Uint8Array[], packetsPerPage = 50): Uint8Array {
  const muxer = new OggOpusMuxer({ serial: 0x1234, packetsPerPage });
  const pages: Uint8Array[] = [];
  for (const p of packets) pages.push(...muxer.write(p));
  pages.push(...muxer.end());
  return Buffer.concat(pages);
}

function packetsOf(events: OggOpusEvent[]): Uint8Array[] {
  return events.flatMap((e) => (e.type === 'packet' ? [e.packet] : []));
}

const packetArb = fc.uint8Array({ minLength: 0, maxLength: 1400 }).map(packetOf);

describe('Ogg page', () => {
  it('CRC-32 matches the RFC 3533 polynomial (0x04C11DB7, unreflected) on a known input', () => {
    // "123456789" under CRC-32/MPEG-2 without the initial 0xFFFFFFFF is 0x89A1897F (CRC-32/BZIP2
    // family, init 0, no xorout, as Ogg uses).
    expect(oggCrc32(new TextEncoder().encode('123456789')).toString(16)).toBe('89a1897f');
  });

  it('CRC-32 taken four bytes at a time equals the polynomial division bit by bit, in one call or split anywhere', () => {
    // The definition, one bit at a time: shift the message through the register, XOR the
    // generator whenever a 1 falls off the top (RFC 3533 §6, unreflected, init 0, no xorout).
    const bitwise = (bytes: Uint8Array, crc: number): number => {
      let r = crc >>> 0;
      for (const byte of bytes) {
        r = (r ^ (byte << 24)) >>> 0;
        for (let bit = 0; bit < 8; bit++) r = (r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1) >>> 0;
      }
      return r;
    };
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.nat(),
        (bytes, start, cut) => {
          const at = bytes.length === 0 ? 0 : cut % (bytes.length + 1);
          expect(oggCrc32(bytes, start)).toBe(bitwise(bytes, start));
          expect(oggCrc32(bytes.subarray(at), oggCrc32(bytes.subarray(0, at), start))).toBe(
            bitwise(bytes, start),
          );
        },
      ),
    );
  });

  it('a page round-trips and any single flipped byte is rejected with a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.nat(), (body, flipAt) => {
        const lacing = [];
        for (let left = body.length; ; left -= 255) {
          lacing.push(Math.min(255, left));
          if (left < 255) break;
        }
        const page = {
          continued: false,
          bos: false,
          eos: true,
          granule: 4242n,
          serial: 9,
          sequence: 3,
          lacing: Uint8Array.from(lacing),
          body,
        };
        const bytes = writeOggPage(page);
        const read = readOggPage(bytes);
        expect(read.kind).toBe('page');
        if (read.kind !== 'page') return;
        expect(read.page).toEqual(page);
        const bad = bytes.slice();
        const at = flipAt % bad.length;
        bad[at] ^= 0x40;
        const readBad = readOggPage(bad);
        // A flip in the lacing table may make the page look longer than the buffer ('short').
        expect(readBad.kind).not.toBe('page');
        if (readBad.kind === 'error')
          expect(['OGG_CRC_MISMATCH', 'OGG_BAD_PAGE']).toContain(readBad.error.code);
      }),
    );
  });
});

describe('Ogg Opus demuxer and muxer', () => {
  it('random packets round-trip through muxer and demuxer, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(packetArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 5000 }),
        (packets, perPage, chunk) => {
          const file = mux(packets, perPage);
          const demuxer = new OggOpusDemuxer();
          const events: OggOpusEvent[] = [];
          for (let at = 0; at < file.length; at += chunk)
            events.push(...demuxer.push(file.subarray(at, at + chunk)));
          events.push(...demuxer.end());
          expect(events.filter((e) => e.type === 'error')).toEqual([]);
          expect(packetsOf(events)).toEqual(packets);
          expect(events[0]?.type).toBe('head');
          const end = events.at(-1);
          expect(end?.type).toBe('end');
          // Granule: 960 samples for each 20 ms packet, pre-skip included (RFC 7845 §4).
          if (end?.type === 'end') expect(end.granule).toBe(BigInt(960 * packets.length));
        },
      ),
    );
  });

  it('packets larger than a page (more than 255 lacing values) continue across pages', () => {
    const big = packetOf(new Uint8Array(70_000).map((_, i) => i & 0xff));
    const small = packetOf(Uint8Array.of(1, 2, 3));
    const events = demuxOggOpus(mux([small, big, small]));
    expect(packetsOf(events)).toEqual([small, big, small]);
  });

  it('granule positions on pages count the samples of packets ending there', () => {
    const packets = Array.from({ length: 7 }, (_, i) => packetOf(Uint8Array.of(i)));
    const events = demuxOggOpus(mux(packets, 3));
    const granules = events.flatMap((e) => (e.type === 'packet' && e.granule !== null ? [e.granule] : []));
    expect(granules).toEqual([3n * 960n, 6n * 960n, 7n * 960n]);
  });

  it('chained streams each start with their own head', () => {
    const a = mux([packetOf(Uint8Array.of(1))]);
    const bMuxer = new OggOpusMuxer({ serial: 77, channels: 1, preSkip: 100 });
    const b = Buffer.concat([...bMuxer.write(packetOf(Uint8Array.of(2))), ...bMuxer.end()]);
    const events = demuxOggOpus(Buffer.concat([a, b]));
    expect(events.map((e) => e.type)).toEqual([
      'head',
      'tags',
      'packet',
      'end',
      'head',
      'tags',
      'packet',
      'end',
    ]);
    const heads = events.flatMap((e) => (e.type === 'head' ? [e.head] : []));
    expect(heads.map((h) => [h.channels, h.preSkip])).toEqual([
      [2, 312],
      [1, 100],
    ]);
  });

  it('corrupted bytes give typed errors and the demuxer resyncs: never throws, later pages still arrive', () => {
    fc.assert(
      fc.property(
        fc.array(packetArb, { minLength: 5, maxLength: 30 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }),
        (packets, flips) => {
          const file = mux(packets, 2);
          const bad = file.slice();
          for (const [at, x] of flips) bad[at % bad.length] ^= x;
          const demuxer = new OggOpusDemuxer();
          const events = [...demuxer.push(bad), ...demuxer.end()];
          for (const e of events) {
            if (e.type === 'error') expect(e.error.code).toMatch(/^OGG_/);
          }
          // Every packet that comes out is one we put in (corruption never invents packets).
          const sent = new Set(packets.map((p) => Buffer.from(p).toString('hex')));
          for (const p of packetsOf(events)) expect(sent.has(Buffer.from(p).toString('hex'))).toBe(true);
        },
      ),
    );
  });

  it('a corrupt page in the middle costs its packets and nothing after it', () => {
    const packets = Array.from({ length: 20 }, (_, i) => packetOf(Uint8Array.of(i, i, i)));
    const file = mux(packets, 4);
    // Find the fourth page and break its CRC.
    let at = 0;
    for (let page = 0; page < 4; page++) {
      const read = readOggPage(file, at);
      if (read.kind !== 'page') throw new Error('test file is broken');
      at += read.length;
    }
    const fourth = readOggPage(file, at);
    if (fourth.kind !== 'page') throw new Error('test file is broken');
    const bad = file.slice();
    bad[at + fourth.length - 1] ^= 0xff; // the last body byte
    const events = demuxOggOpus(bad);
    const errors = events.flatMap((e) => (e.type === 'error' ? [e.error.code] : []));
    expect(errors).toContain('OGG_CRC_MISMATCH');
    expect(errors).toContain('OGG_PAGE_GAP');
    // Page 4 held packets 8..11 (two header pages first, then 4 per page).
    expect(packetsOf(events)).toEqual([...packets.slice(0, 8), ...packets.slice(12)]);
  });

  it('a damaged lacing value that makes a page claim more bytes than the file has: resync at the end', () => {
    const packets = Array.from({ length: 12 }, (_, i) => packetOf(Uint8Array.of(i)));
    const file = mux(packets, 4);
    const first = readOggPage(file);
    if (first.kind !== 'page') throw new Error('test file is broken');
    const second = readOggPage(file, first.length);
    if (second.kind !== 'page') throw new Error('test file is broken');
    const third = first.length + second.length;
    const bad = file.slice();
    bad[third + 26] = 255; // segment count: now the page claims ~255 more lacing values
    const events = demuxOggOpus(bad);
    const errors = events.flatMap((e) => (e.type === 'error' ? [e.error.code] : []));
    expect(errors).toContain('OGG_TRUNCATED');
    expect(packetsOf(events)).toEqual(packets.slice(4));
  });

  it('arbitrary bytes never throw and memory stays bounded', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 20 }), (chunks) => {
        const demuxer = new OggOpusDemuxer({ maxPacketBytes: 100_000 });
        for (const c of chunks) demuxer.push(c);
        demuxer.end();
      }),
    );
  });
});

describe('Opus TOC durations (RFC 6716 §3.1)', () => {
  it('reads frame size and count from the TOC byte', () => {
    expect(opusPacketSamples(Uint8Array.of(0xfc))).toBe(960); // CELT FB 20 ms, one frame
    expect(opusPacketSamples(Uint8Array.of(0xf8, 0xff, 0xfe))).toBe(960); // the silence frame
    expect(opusPacketSamples(Uint8Array.of(0x08 | 1))).toBe(1920); // SILK NB 20 ms, two frames
    expect(opusPacketSamples(Uint8Array.of(0x18 | 3, 2))).toBe(2 * 2880); // SILK NB 60 ms ×2
    expect(opusPacketSamples(Uint8Array.of(0x80 | 3, 48))).toBe(48 * 120); // CELT 2.5 ms ×48 = 120 ms
    expect(opusPacketSamples(Uint8Array.of(0x18 | 3, 3 | 0x3c))).toBe(0); // over 120 ms: malformed
    expect(opusPacketSamples(new Uint8Array(0))).toBe(0);
  });
});
