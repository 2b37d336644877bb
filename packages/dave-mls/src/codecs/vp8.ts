import type { OutboundFrame } from './outboundFrame.js';

/** Key frames (P bit 0 in byte 0, RFC 7741 4.3) keep 10 bytes clear for the depacketizer, others 1. */
const KEY_FRAME_CLEAR_BYTES = 10;
const DELTA_FRAME_CLEAR_BYTES = 1;

export function processVp8(frame: Uint8Array, out: OutboundFrame): boolean {
  if (frame.length === 0) return false;
  const clear = (frame[0]! & 0x01) === 0 ? KEY_FRAME_CLEAR_BYTES : DELTA_FRAME_CLEAR_BYTES;
  // libdave reads past a frame shorter than its header; keep what exists clear instead.
  const end = Math.min(clear, frame.length);
  out.addUnencrypted(frame, 0, end);
  out.addEncrypted(frame, end, frame.length);
  return true;
}
