/**
 * What the demo measures in audio: decoded PCM from Opus packets or Ogg Opus files, its loudness
 * (RMS) and which frequency dominates it (Goertzel power over a grid of candidate pitches).
 */
import { readFileSync } from 'node:fs';
import { demuxOggOpus, OpusDecoder } from '@cordwire/audio';

const RATE = 48_000;

/** Decodes 20 ms Opus packets into one stereo s16 buffer (silence frames decode to zeros). */
export function decodePackets(packets: readonly Uint8Array[]): Int16Array {
  const decoder = new OpusDecoder();
  try {
    const frames = packets.map((p) => decoder.decode(p));
    const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of frames) {
      out.set(f, at);
      at += f.length;
    }
    return out;
  } finally {
    decoder.destroy();
  }
}

export interface OggOpusFile {
  readonly packets: Uint8Array[];
  /** Playback length: last granule position minus pre-skip, at 48 kHz (RFC 7845 §4). */
  readonly durationMs: number;
  readonly pcm: Int16Array;
}

export function readOggOpus(path: string): OggOpusFile {
  const packets: Uint8Array[] = [];
  let preSkip = 0;
  let granule = 0n;
  for (const event of demuxOggOpus(readFileSync(path))) {
    if (event.type === 'head') preSkip = event.head.preSkip;
    if (event.type === 'packet') {
      packets.push(event.packet);
      if (event.granule !== null && event.granule >= 0n) granule = event.granule;
    }
  }
  const pcm = decodePackets(packets).subarray(preSkip * 2);
  return { packets, durationMs: (Number(granule) - preSkip) / (RATE / 1000), pcm };
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

/** The strongest frequency from 80 Hz to 2 kHz: a 10 Hz grid, then refined to 1 Hz. */
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
  scan(80, 2000, 10);
  const coarse = best;
  scan(coarse - 10, coarse + 10, 1);
  return best;
}
