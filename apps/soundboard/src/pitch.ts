/**
 * Which pitch a listener heard: Opus frames decoded with @cordwire/audio, then Goertzel power
 * over a grid of candidate frequencies. Used by the emulator run and the tests to tell the
 * sounds apart by ear.
 */
import { OpusDecoder } from '@cordwire/audio';

const RATE = 48_000;

/** Decodes 20 ms Opus packets into one stereo s16 buffer. */
export function decodeFrames(frames: readonly Uint8Array[]): Int16Array {
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

/** Relative amplitude of `frequency` in the left channel (Goertzel), 0..~1. */
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

/** The strongest frequency from 100 Hz to 2 kHz: a 10 Hz grid, then refined to 1 Hz. */
export function dominantFrequency(pcm: Int16Array): number {
  let best = 0;
  let bestPower = -1;
  const scan = (from: number, to: number, step: number) => {
    for (let f = from; f <= to; f += step) {
      const p = goertzel(pcm, f);
      if (p > bestPower) {
        bestPower = p;
        best = f;
      }
    }
  };
  scan(100, 2000, 10);
  scan(best - 10, best + 10, 1);
  return best;
}
