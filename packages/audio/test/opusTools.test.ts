/**
 * Pinned against Debian's opus-tools: files made by opusenc go through our demuxer and muxer,
 * and opusinfo / opusdec judge what we write.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { OggOpusMuxer, type OggOpusEvent, type OpusHead, type OpusTags, demuxOggOpus } from '../src/index.js';
import { runTool, scratchDir } from './debianTools.js';
import { tone, wav } from './signals.js';

function remux(events: OggOpusEvent[]): { bytes: Uint8Array; packets: Uint8Array[] } {
  let head: OpusHead | undefined;
  let tags: OpusTags | undefined;
  const packets: Uint8Array[] = [];
  let endGranule: bigint | undefined;
  for (const e of events) {
    if (e.type === 'head') head = e.head;
    else if (e.type === 'tags') tags = e.tags;
    else if (e.type === 'packet') packets.push(e.packet);
    else if (e.type === 'end') endGranule = e.granule;
    else throw e.error;
  }
  if (!head || !tags) throw new Error('no OpusHead/OpusTags in the input');
  const muxer = new OggOpusMuxer({ serial: 0xc0ffee, head, vendor: tags.vendor, comments: tags.comments });
  const pages: Uint8Array[] = [];
  for (const p of packets) pages.push(...muxer.write(p));
  pages.push(...muxer.end(endGranule));
  return { bytes: Buffer.concat(pages), packets };
}

describe('Ogg Opus against opus-tools', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.remove());

  it('an opusenc file demuxes and muxes back: same packets, opusinfo accepts it, opusdec decodes it', async () => {
    writeFileSync(scratch.path('tone.wav'), wav(tone(440, 3.37)));
    const enc = await runTool('opusenc', [
      '--quiet',
      '--bitrate',
      '64',
      scratch.path('tone.wav'),
      scratch.path('in.opus'),
    ]);
    expect(enc.code).toBe(0);
    const input = new Uint8Array(readFileSync(scratch.path('in.opus')));
    const events = demuxOggOpus(input);
    const { bytes, packets } = remux(events);
    expect(packets.length).toBeGreaterThan(150);
    writeFileSync(scratch.path('out.opus'), bytes);

    // Our output demuxes to the identical packets, head and tags.
    const again = demuxOggOpus(bytes);
    expect(
      again.filter((e) => e.type === 'packet').map((e) => (e.type === 'packet' ? e.packet : null)),
    ).toEqual(packets);
    const headOf = (list: OggOpusEvent[]) => list.flatMap((e) => (e.type === 'head' ? [e.head] : []));
    expect(headOf(again)).toEqual(headOf(events));

    const info = await runTool('opusinfo', [scratch.path('out.opus')]);
    expect(info.code).toBe(0);
    const report = info.stdout + info.stderr;
    expect(report).not.toMatch(/WARNING|ERROR/i);
    // opusinfo reports the playback length; it must match the input's (3.37 s).
    const original = await runTool('opusinfo', [scratch.path('in.opus')]);
    const length = (s: string) => /Playback length: ([^\n]+)/.exec(s)?.[1];
    expect(length(report)).toBeDefined();
    expect(length(report)).toBe(length(original.stdout + original.stderr));

    const dec = await runTool('opusdec', [
      '--quiet',
      '--rate',
      '48000',
      scratch.path('out.opus'),
      scratch.path('out.wav'),
    ]);
    expect(dec.code).toBe(0);
    const decoded = readFileSync(scratch.path('out.wav'));
    // 3.37 s of stereo s16 after pre-skip and end trimming, plus the 44-byte WAV header.
    expect(decoded.length - 44).toBe(Math.round(3.37 * 48_000) * 4);
  });

  it('a chained file from two opusenc runs demuxes into two streams with the packets of each', async () => {
    writeFileSync(scratch.path('a.wav'), wav(tone(300, 0.5)));
    writeFileSync(scratch.path('b.wav'), wav(tone(600, 0.7, { channels: 1 }), 1));
    await runTool('opusenc', ['--quiet', scratch.path('a.wav'), scratch.path('a.opus')]);
    await runTool('opusenc', ['--quiet', scratch.path('b.wav'), scratch.path('b.opus')]);
    const a = new Uint8Array(readFileSync(scratch.path('a.opus')));
    const b = new Uint8Array(readFileSync(scratch.path('b.opus')));
    const chained = demuxOggOpus(Buffer.concat([a, b]));
    const heads = chained.flatMap((e) => (e.type === 'head' ? [e.head.channels] : []));
    expect(heads).toEqual([2, 1]);
    const count = (events: OggOpusEvent[]) => events.filter((e) => e.type === 'packet').length;
    expect(count(chained)).toBe(count(demuxOggOpus(a)) + count(demuxOggOpus(b)));
    expect(chained.filter((e) => e.type === 'error')).toEqual([]);
  });
});
