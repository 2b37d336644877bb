/**
 * What a track's source hands the player for one step: an Opus packet (played as is when it
 * plays alone at unity volume, else decoded) or 20 ms of 48 kHz stereo s16 PCM (960 × 2 samples).
 */
export type TrackUnit =
  | { readonly kind: 'opus'; readonly opus: Uint8Array; readonly channels: number }
  | { readonly kind: 'pcm'; readonly pcm: Int16Array };

/** Samples per channel in a 20 ms frame at 48 kHz, and the interleaved stereo frame length. */
export const FRAME_SAMPLES = 960;
export const STEREO_FRAME_LENGTH = FRAME_SAMPLES * 2;
