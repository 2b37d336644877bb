/**
 * Sums 20 ms stereo frames of several tracks, each with its own volume, into one frame.
 * Sums above the knee are bent with a tanh curve instead of clipped hard (soft clipping, as
 * songbird's mixer does), so two loud tracks distort gently rather than crackle.
 */
const KNEE = 0.75;

export interface MixInput {
  readonly pcm: Int16Array;
  readonly volume: number;
}

export function softClip(x: number): number {
  const a = Math.abs(x);
  if (a <= KNEE) return x;
  const bent = KNEE + (1 - KNEE) * Math.tanh((a - KNEE) / (1 - KNEE));
  return x < 0 ? -bent : bent;
}

export function mixFrames(
  inputs: readonly MixInput[],
  length: number,
  out = new Int16Array(length),
): Int16Array {
  if (inputs.length === 1 && inputs[0]!.volume === 1) {
    out.set(inputs[0]!.pcm.subarray(0, length));
    return out;
  }
  for (let i = 0; i < length; i++) {
    let sum = 0;
    for (const input of inputs) sum += (input.pcm[i] ?? 0) * input.volume;
    out[i] = Math.round(softClip(sum / 32768) * 32767);
  }
  return out;
}
