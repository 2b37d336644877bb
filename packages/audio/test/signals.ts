/** Test signals: tones, WAV files and a Goertzel detector to tell which frequencies are present. */

/** Interleaved s16le PCM of a sine tone. */
export function tone(
  frequency: number,
  seconds: number,
  options: { channels?: number; amplitude?: number; noise?: number } = {},
): Int16Array {
  const channels = options.channels ?? 2;
  const amplitude = options.amplitude ?? 0.5;
  // Seeded noise makes every packet of the encoded tone different (a pure tone repeats packets).
  let seed = 12345;
  const noise = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed / 2 ** 32 - 0.5) * (options.noise ?? 0);
  };
  const frames = Math.round(seconds * 48_000);
  const out = new Int16Array(frames * channels);
  for (let i = 0; i < frames; i++) {
    const v = Math.round((Math.sin((2 * Math.PI * frequency * i) / 48_000) * amplitude + noise()) * 32767);
    for (let c = 0; c < channels; c++) out[i * channels + c] = v;
  }
  return out;
}

export function wav(pcm: Int16Array, channels = 2, rate = 48_000): Uint8Array {
  const data = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const out = new Uint8Array(44 + data.length);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + data.length, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, data.length, true);
  out.set(data, 44);
  return out;
}

/** Relative power of `frequency` in the first channel of interleaved PCM (Goertzel), 0..~1. */
export function goertzel(pcm: Int16Array, frequency: number, channels = 2, rate = 48_000): number {
  const n = Math.floor(pcm.length / channels);
  if (n === 0) return 0;
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s = pcm[i * channels]! / 32768 + coefficient * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return (2 * Math.sqrt(power)) / n;
}

/** The PCM chunks one after another in one buffer. */
export function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
