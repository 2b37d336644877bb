/**
 * Pitch facts about decoded audio, enough for a test to say "she heard a 440 Hz tone for 2 s":
 * the dominant frequency (a Hann-windowed power spectrum averaged over the whole recording, peak
 * refined by parabolic interpolation), the share of the power near a frequency, and per 20 ms
 * frame whether a tone dominates it (Goertzel). Input is mono float PCM at 48 kHz.
 */

export const ANALYSIS_SAMPLE_RATE = 48_000;
/** 4096 samples: 11.7 Hz per bin at 48 kHz, and many windows in a second of audio. */
const WINDOW = 4096;
/** Below this RMS (full scale 1) a frame is silence, not a tone. */
const QUIET_RMS = 1e-3;

/** In-place iterative radix-2 FFT (length a power of two). */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2 * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci;
        const ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}

/** Power per bin (0..WINDOW/2), averaged over consecutive Hann windows; short input is zero-padded. */
export function powerSpectrum(mono: Float32Array): Float64Array {
  const power = new Float64Array(WINDOW / 2 + 1);
  const re = new Float64Array(WINDOW);
  const im = new Float64Array(WINDOW);
  const windows = Math.max(1, Math.floor(mono.length / WINDOW));
  for (let w = 0; w < windows; w++) {
    re.fill(0);
    im.fill(0);
    const at = w * WINDOW;
    for (let i = 0; i < WINDOW && at + i < mono.length; i++) {
      const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (WINDOW - 1));
      re[i] = mono[at + i]! * hann;
    }
    fft(re, im);
    for (let k = 0; k < power.length; k++) power[k]! += (re[k]! * re[k]! + im[k]! * im[k]!) / windows;
  }
  return power;
}

const binHz = ANALYSIS_SAMPLE_RATE / WINDOW;

/** The strongest frequency above 20 Hz, in Hz; undefined for silence. */
export function dominantFrequency(power: Float64Array): number | undefined {
  let best = -1;
  let bestPower = 0;
  for (let k = Math.ceil(20 / binHz); k < power.length; k++) {
    if (power[k]! > bestPower) {
      bestPower = power[k]!;
      best = k;
    }
  }
  if (best < 0 || bestPower <= 1e-12) return undefined;
  // Parabolic interpolation on log power around the peak bin.
  const a = Math.log(power[best - 1]! + 1e-30);
  const b = Math.log(bestPower);
  const c = Math.log((power[best + 1] ?? 0) + 1e-30);
  const denom = a - 2 * b + c;
  const offset = denom === 0 ? 0 : (0.5 * (a - c)) / denom;
  return (best + Math.max(-0.5, Math.min(0.5, offset))) * binHz;
}

/** The share (0..1) of the power within `toleranceHz` of `freq` (widened by the window's main lobe). */
export function powerShareNear(power: Float64Array, freq: number, toleranceHz: number): number {
  let total = 0;
  let near = 0;
  const reach = toleranceHz + 2 * binHz;
  for (let k = 1; k < power.length; k++) {
    total += power[k]!;
    if (Math.abs(k * binHz - freq) <= reach) near += power[k]!;
  }
  return total === 0 ? 0 : near / total;
}

/**
 * The share (0..1) of one frame's power that is a sine at `freq` (Goertzel): 1 for a pure tone,
 * near 0 for other audio; 0 for a quiet frame.
 */
export function toneShare(frame: Float32Array, freq: number): number {
  const n = frame.length;
  let energy = 0;
  for (let i = 0; i < n; i++) energy += frame[i]! * frame[i]!;
  if (n === 0 || Math.sqrt(energy / n) < QUIET_RMS) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / ANALYSIS_SAMPLE_RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s = frame[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const magnitude2 = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return Math.min(1, (2 * magnitude2) / (n * energy));
}
