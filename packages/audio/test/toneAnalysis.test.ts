import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOpusFrames, dominantFrequency, goertzel, OpusEncoder, rms } from '../src/index.js';

function tone(hz: number, seconds: number, amplitude = 0.5): Int16Array {
  const out = new Int16Array(Math.round(seconds * 48_000) * 2);
  for (let i = 0; i < out.length / 2; i++)
    out[2 * i] = out[2 * i + 1] = Math.round(Math.sin((2 * Math.PI * hz * i) / 48_000) * amplitude * 32767);
  return out;
}

describe('tone analysis', () => {
  it('finds the pitch of a tone to within 1 Hz, and its level', () => {
    for (const hz of [150, 440, 1047]) {
      const pcm = tone(hz, 0.5);
      expect(Math.abs(dominantFrequency(pcm) - hz)).toBeLessThanOrEqual(1);
      expect(goertzel(pcm, hz)).toBeGreaterThan(20 * goertzel(pcm, hz * 1.5));
    }
    expect(rms(tone(440, 0.2, 0.5))).toBeCloseTo(0.5 / Math.SQRT2, 2);
    expect(rms(new Int16Array(0))).toBe(0);
    expect(goertzel(new Int16Array(0), 440)).toBe(0);
  });

  it('of two mixed tones, the louder one dominates; both are measurable', () => {
    const a = tone(300, 0.5, 0.6);
    const b = tone(700, 0.5, 0.2);
    const mix = a.map((v, i) => v + (b[i] as number));
    expect(Math.abs(dominantFrequency(mix) - 300)).toBeLessThanOrEqual(1);
    expect(goertzel(mix, 700)).toBeGreaterThan(10 * goertzel(mix, 1000));
  });

  it('decodes encoded frames back to the same pitch', () => {
    const encoder = new OpusEncoder();
    const pcm = tone(523, 0.4);
    const frames = encoder.encode(pcm); // 0.4 s: twenty 20 ms frames
    encoder.destroy();
    expect(frames).toHaveLength(20);
    const decoded = decodeOpusFrames(frames);
    expect(decoded.length).toBe(pcm.length);
    expect(Math.abs(dominantFrequency(decoded) - 523)).toBeLessThanOrEqual(2);
  });

  it('stays in range on any input', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 2000 }), (xs) => {
        const pcm = Int16Array.from(xs);
        const f = dominantFrequency(pcm, { fromHz: 100, toHz: 1000 });
        expect(f).toBeGreaterThanOrEqual(100);
        expect(f).toBeLessThanOrEqual(1000);
        expect(rms(pcm)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 50 },
    );
  });
});
