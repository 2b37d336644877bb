/**
 * The seam between Opus and transport encryption, where DAVE (E2EE) plugs in
 * (research/anchors.md 2.1: discord.js runs DAVE encrypt before transport encryption and DAVE
 * decrypt after transport decryption and after the extension body is stripped).
 */
export interface FrameTransform {
  /** Outbound: an Opus frame in, the frame to put in RTP out (a DAVE frame ending in 0xFAFA). */
  transformOutbound?(opus: Uint8Array): Uint8Array;
  /** Inbound: the RTP payload from `userId` in, the Opus frame out, or null to drop it. */
  transformInbound?(userId: string, payload: Uint8Array): Uint8Array | null;
}

/**
 * The Opus silence frame (Discord docs "Voice Data Interpolation"): five of these go out before
 * any gap in transmission. DAVE never encrypts or decrypts them (anchors.md 2), so they bypass
 * the frame hook in both directions.
 */
export const SILENCE_FRAME: Uint8Array = Uint8Array.of(0xf8, 0xff, 0xfe);
export const SILENCE_FRAMES_BEFORE_GAP = 5;

export function isSilenceFrame(frame: Uint8Array): boolean {
  return frame.length === 3 && frame[0] === 0xf8 && frame[1] === 0xff && frame[2] === 0xfe;
}
