/**
 * Small measurements of decoded audio, for tests and demos that check what was heard: the level
 * (RMS), the strength of one frequency (Goertzel), and which pitch dominates. Input is 48 kHz
 * interleaved stereo s16 PCM, as OpusDecoder gives it; the left channel is measured.
 */
import { OpusDecoder } from './opusDecoder.js';

const RATE = 48_000;

/** Decodes 20 ms Opus frames, in order, into one stereo s16 buffer (a silence frame decodes to zeros). */
export function decodeOpusFrames(frames: readonly Uint8Array[]): Int16Array {
  const decoder = new OpusDecoder();
  try {
    const pcm = frames.map((f) => decoder.decode(f));
    const out = new Int16Array(pcm.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of pcm) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  } finally {
    decoder.destroy();
  }
}

/** Root mean square of the left channel, 0..1. */
export function rms(pcm: Int16Array): number {
  const n = Math.floor(pcm.length / 2);
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = (pcm[2 * i] as number) / 32768;
    sum += v * v;
  }
  return Math.sqrt(sum / n);
}

/** Relative amplitude of `frequency` (Hz) in the left channel, 0..~1 (Goertzel). */
export function goertzel(pcm: Int16Array, frequency: number): number {
  const n = Math.floor(pcm.length / 2);
  if (n === 0) return 0;
  const k = 2 * Math.cos((2 * Math.PI * frequency) / RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s = (pcm[2 * i] as number) / 32768 + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - k * s1 * s2))) / n;
}

/** The strongest frequency between `fromHz` and `toHz` (default 80-2000): a 10 Hz grid, then 1 Hz. */
export function dominantFrequency(pcm: Int16Array, range: { fromHz?: number; toHz?: number } = {}): number {
  const from = range.fromHz ?? 80;
  const to = range.toHz ?? 2000;
  let best = from;
  let bestPower = -1;
  const scan = (lo: number, hi: number, step: number) => {
    for (let f = Math.max(from, lo); f <= Math.min(to, hi); f += step) {
      const p = goertzel(pcm, f);
      if (p > bestPower) {
        bestPower = p;
        best = f;
      }
    }
  };
  scan(from, to, 10);
  scan(best - 10, best + 10, 1);
  return best;
}
