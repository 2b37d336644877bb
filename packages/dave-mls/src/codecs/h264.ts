import { LONG_START_CODE, findNextNalu, naluSearch } from './h26x.js';
import type { OutboundFrame } from './outboundFrame.js';

const NAL_TYPE_MASK = 0x1f;
const NAL_TYPE_SLICE = 1;
const NAL_TYPE_IDR = 5;
const NAL_HEADER_SIZE = 1;
const EMULATION_PREVENTION_BYTE = 0x03;

/**
 * Bytes from `start` covering three Exp-Golomb values (first_mb_in_slice, slice_type, pps_id), which
 * the depacketizer needs in the clear, skipping emulation-prevention bytes (libdave BytesCoveringH264PPS).
 */
function bytesCoveringPps(frame: Uint8Array, start: number, remaining: number): number {
  let bitIndex = 0;
  let zeroBits = 0;
  let parsed = 0;
  while (bitIndex < remaining * 8 && parsed < 3) {
    const bit = bitIndex % 8;
    const byteIndex = (bitIndex - bit) / 8;
    const byte = frame[start + byteIndex]!;
    if (
      bit === 0 &&
      byteIndex >= 2 &&
      byte === EMULATION_PREVENTION_BYTE &&
      frame[start + byteIndex - 1] === 0 &&
      frame[start + byteIndex - 2] === 0
    ) {
      bitIndex += 8;
      continue;
    }
    if ((byte & (1 << (7 - bit))) === 0) {
      zeroBits++;
      bitIndex++;
      if (zeroBits >= 32) return 0;
    } else {
      parsed++;
      bitIndex += 1 + zeroBits;
      zeroBits = 0;
    }
  }
  return Math.floor(bitIndex / 8) + 1;
}

export function processH264(frame: Uint8Array, out: OutboundFrame): boolean {
  const size = frame.length;
  if (size < 3 + NAL_HEADER_SIZE) return false;
  let found = findNextNalu(frame, 0, size, 0);
  while (found && naluSearch.nalStart < size - 1) {
    const nalStart = naluSearch.nalStart;
    const nalType = frame[nalStart]! & NAL_TYPE_MASK;
    out.addUnencrypted(LONG_START_CODE, 0, 4);
    found = findNextNalu(frame, 0, size, nalStart);
    const nextNaluStart = found ? naluSearch.nalStart - naluSearch.startCodeSize : size;
    if (nalType === NAL_TYPE_SLICE || nalType === NAL_TYPE_IDR) {
      const payloadStart = nalStart + NAL_HEADER_SIZE;
      // libdave can cover past the NAL unit on a truncated slice header; clamp to the unit instead.
      const clearEnd = Math.min(
        payloadStart + bytesCoveringPps(frame, payloadStart, size - payloadStart),
        nextNaluStart,
      );
      out.addUnencrypted(frame, nalStart, clearEnd);
      out.addEncrypted(frame, clearEnd, nextNaluStart);
    } else {
      out.addUnencrypted(frame, nalStart, nextNaluStart);
    }
  }
  return true;
}
