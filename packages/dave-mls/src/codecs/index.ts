/**
 * Which bytes of a frame each codec leaves unencrypted (research/dave.md 4; libdave codec_utils.cpp).
 * Opus and VP9 encrypt everything; unknown codecs and frames that fail to parse are encrypted whole.
 */
import { Codec } from '../media.js';
import { processAv1 } from './av1.js';
import { processH264 } from './h264.js';
import { processH265 } from './h265.js';
import { findNextNalu } from './h26x.js';
import { OutboundFrame } from './outboundFrame.js';
import { processVp8 } from './vp8.js';
import type { RangeList } from '../frameCodec.js';

export { OutboundFrame };

/** Fills `out` with the codec's split of `frame`. Never throws; malformed input falls back to whole-frame. */
export function processFrame(codec: number, frame: Uint8Array, out: OutboundFrame): void {
  // H.26x rewrites 3-byte start codes as 4-byte ones, so the media part can grow by a third.
  out.reset(frame.length + (frame.length >>> 1) + 16);
  let ok: boolean;
  switch (codec) {
    case Codec.VP8:
      ok = processVp8(frame, out);
      break;
    case Codec.H264:
      ok = processH264(frame, out);
      break;
    case Codec.H265:
      ok = processH265(frame, out);
      break;
    case Codec.AV1:
      ok = processAv1(frame, out);
      break;
    default:
      ok = false;
  }
  if (!ok) out.encryptWhole(frame);
}

/** Codecs whose packetizer splits on Annex B start codes, so ciphertext must not contain one. */
export function needsStartCodeCheck(codec: number): boolean {
  return codec === Codec.H264 || codec === Codec.H265;
}

const PADDING = 2;

/**
 * libdave ValidateEncryptedFrame: no start code may appear in any encrypted section, widened by two
 * bytes on each side, nor in the final section running through the trailer.
 */
export function encryptedFrameHasStartCode(frame: Uint8Array, length: number, ranges: RangeList): boolean {
  let sectionStart = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const offset = ranges[i]!;
    if (sectionStart === offset) {
      sectionStart += ranges[i + 1]!;
      continue;
    }
    const start = sectionStart - Math.min(sectionStart, PADDING);
    const end = Math.min(offset + PADDING, length);
    if (findNextNalu(frame, start, end - start, 0)) return true;
    sectionStart = offset + ranges[i + 1]!;
  }
  if (sectionStart === length) return false;
  const start = sectionStart - Math.min(sectionStart, PADDING);
  return findNextNalu(frame, start, length - start, 0);
}
