import { LONG_START_CODE, findNextNalu, naluSearch } from './h26x.js';
import type { OutboundFrame } from './outboundFrame.js';

const NAL_TYPE_MASK = 0x7e;
/** NAL types below 32 are VCL (coded slice) units: only their 2-byte header stays clear. */
const VCL_CUTOFF = 32;
const NAL_HEADER_SIZE = 2;

export function processH265(frame: Uint8Array, out: OutboundFrame): boolean {
  const size = frame.length;
  if (size < 3 + NAL_HEADER_SIZE) return false;
  let found = findNextNalu(frame, 0, size, 0);
  while (found && naluSearch.nalStart < size - 1) {
    const nalStart = naluSearch.nalStart;
    const nalType = (frame[nalStart]! & NAL_TYPE_MASK) >> 1;
    out.addUnencrypted(LONG_START_CODE, 0, 4);
    found = findNextNalu(frame, 0, size, nalStart);
    const nextNaluStart = found ? naluSearch.nalStart - naluSearch.startCodeSize : size;
    if (nalType < VCL_CUTOFF) {
      const clearEnd = Math.min(nalStart + NAL_HEADER_SIZE, nextNaluStart);
      out.addUnencrypted(frame, nalStart, clearEnd);
      out.addEncrypted(frame, clearEnd, nextNaluStart);
    } else {
      out.addUnencrypted(frame, nalStart, nextNaluStart);
    }
  }
  return true;
}
