import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { OggOpusMuxer, OpusDecoder, OpusEncoder, opusBackend } from '../src/index.js';
import { runTool, scratchDir } from './debianTools.js';
import { goertzel, tone } from './signals.js';

function decodeAll(packets: Uint8Array[], channels = 2): Int16Array {
  const decoder = new OpusDecoder({ channels, backend: 'wasm' });
  const parts = packets.map((p) => decoder.decode(p));
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  decoder.destroy();
  return out;
}

describe('Opus codec (WASM default)', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.remove());

  it('the default backend is the WASM build when no native binding is installed', () => {
    expect(opusBackend().name).toBe('libopus-wasm');
    expect(() => opusBackend('native')).toThrow(expect.objectContaining({ code: 'OPUS_CODEC_UNAVAILABLE' }));
  });

  it('a 440 Hz tone survives encode and decode: 20 ms frames, same frequency, same length', () => {
    const encoder = new OpusEncoder({ backend: 'wasm' });
    const input = tone(440, 1);
    // Odd chunk sizes: the encoder collects whole frames.
    const packets: Uint8Array[] = [];
    for (let at = 0; at < input.length; at += 1234)
      packets.push(...encoder.encode(input.subarray(at, at + 1234)));
    packets.push(...encoder.flush());
    expect(packets.length).toBe(50);
    const pcm = decodeAll(packets);
    expect(pcm.length).toBe(input.length);
    const steady = pcm.subarray(9600); // after the codec's start-up
    expect(goertzel(steady, 440)).toBeGreaterThan(0.3);
    expect(goertzel(steady, 1000)).toBeLessThan(0.02);
  });

  it('f32 PCM encodes like s16', () => {
    const encoder = new OpusEncoder({ channels: 1, backend: 'wasm' });
    const s16 = tone(700, 0.5, { channels: 1 });
    const f32 = Float32Array.from(s16, (v) => v / 32768);
    const packets = [...encoder.encode(f32), ...encoder.flush()];
    const pcm = decodeAll(packets, 1);
    expect(goertzel(pcm.subarray(4800), 700, 1)).toBeGreaterThan(0.3);
  });

  it('many encoders and decoders live in one process (one WASM heap, separate states)', () => {
    const encoders = Array.from({ length: 20 }, () => new OpusEncoder({ backend: 'wasm' }));
    const decoders = Array.from({ length: 20 }, () => new OpusDecoder({ backend: 'wasm' }));
    const input = tone(440, 0.4);
    for (let k = 0; k < 20; k++) {
      const packets = [...encoders[k]!.encode(input)];
      const pcm = packets.map((p) => decoders[k]!.decode(p));
      expect(goertzel(Int16Array.from(pcm.slice(5).flatMap((p) => [...p])), 440)).toBeGreaterThan(0.3);
    }
    for (const c of [...encoders, ...decoders]) c.destroy();
  });

  it('a lost frame is rebuilt from the next packet (in-band FEC) or concealed (PLC), 20 ms each', () => {
    const encoder = new OpusEncoder({ backend: 'wasm' });
    const decoder = new OpusDecoder({ backend: 'wasm' });
    const packets = encoder.encode(tone(440, 0.5));
    for (const p of packets.slice(0, 10)) decoder.decode(p);
    const rebuilt = decoder.recover(packets[11]!);
    expect(rebuilt.length).toBe(1920);
    expect(goertzel(rebuilt, 440)).toBeGreaterThan(0.2);
    decoder.decode(packets[11]!);
    expect(decoder.conceal().length).toBe(1920);
  });

  it('loss concealment gives exactly one 20 ms slot; a garbage packet is a typed error', () => {
    const decoder = new OpusDecoder({ backend: 'wasm' });
    const encoder = new OpusEncoder({ backend: 'wasm' });
    for (const p of encoder.encode(tone(440, 0.1))) decoder.decode(p);
    expect(decoder.conceal().length).toBe(960 * 2);
    expect(() => decoder.decode(new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'OPUS_DECODE_FAILED' }),
    );
    // TOC code 3 with a frame count giving more than 120 ms is invalid (RFC 6716 §3.2.5).
    expect(() => decoder.decode(Uint8Array.of(0x1b, 0x3f, 1, 2, 3))).toThrow(
      expect.objectContaining({ code: 'OPUS_DECODE_FAILED' }),
    );
  });

  it('our encoder inside our muxer: opusdec decodes the file to the right length and tone', async () => {
    const encoder = new OpusEncoder({ backend: 'wasm' });
    const muxer = new OggOpusMuxer({ preSkip: 312 });
    const pages: Uint8Array[] = [];
    for (const p of [...encoder.encode(tone(523, 2)), ...encoder.flush()]) pages.push(...muxer.write(p));
    pages.push(...muxer.end());
    writeFileSync(scratch.path('ours.opus'), Buffer.concat(pages));
    const dec = await runTool('opusdec', [
      '--quiet',
      '--rate',
      '48000',
      scratch.path('ours.opus'),
      scratch.path('ours.wav'),
    ]);
    expect(dec.code).toBe(0);
    const wavBytes = readFileSync(scratch.path('ours.wav'));
    const pcm = new Int16Array(
      wavBytes.buffer.slice(wavBytes.byteOffset + 44, wavBytes.byteOffset + wavBytes.length),
    );
    expect(pcm.length).toBe((2 * 48_000 - 312) * 2);
    expect(goertzel(pcm.subarray(9600), 523)).toBeGreaterThan(0.3);
  });
});
