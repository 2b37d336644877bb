/**
 * Media kinds and codecs, numbered exactly as @snazzah/davey's `MediaType` and `Codec` const enums
 * (research/dave.md 7), so a voice client can pass the same numbers to either implementation.
 */
export const MediaType = { AUDIO: 0, VIDEO: 1 } as const;
export type MediaType = (typeof MediaType)[keyof typeof MediaType];

export const Codec = { UNKNOWN: 0, OPUS: 1, VP8: 2, VP9: 3, H264: 4, H265: 5, AV1: 6 } as const;
export type Codec = (typeof Codec)[keyof typeof Codec];

/**
 * The Opus frame the SFU synthesises for silence (libdave `kOpusSilencePacket`). A receiver passes it
 * through untouched even with passthrough off, and davey's encrypt returns it unencrypted.
 */
export const OPUS_SILENCE_FRAME: Uint8Array = Uint8Array.of(0xf8, 0xff, 0xfe);

export function isOpusSilenceFrame(frame: Uint8Array): boolean {
  return frame.length === 3 && frame[0] === 0xf8 && frame[1] === 0xff && frame[2] === 0xfe;
}

export function isMediaType(value: number): value is MediaType {
  return value === 0 || value === 1;
}

/**
 * Monotonic milliseconds. Every DAVE timer (10 s generation and epoch retention, passthrough windows)
 * reads this, so tests inject a hand-driven clock instead of waiting.
 */
export interface DaveClock {
  now(): number;
}

export const systemClock: DaveClock = { now: () => performance.now() };
