/**
 * Annex B NAL unit walking shared by H.264 and H.265 (libdave codec_utils.cpp FindNextH26XNaluIndex,
 * whose scan, including not looking at the last three bytes, is mirrored so ranges match byte for byte).
 */

/** Every start code is written back as the 4-byte form, which WebRTC's receiver produces anyway. */
export const LONG_START_CODE: Uint8Array = Uint8Array.of(0, 0, 0, 1);
const SHORT_START_CODE_SIZE = 3;

/** Result slots, to avoid allocating per search: index of the NAL unit after the start code, code size. */
export const naluSearch = { nalStart: 0, startCodeSize: 0 };

/** Finds the next start code at or after `from` in `buffer[base, base + size)`; fills naluSearch (indices relative to base). */
export function findNextNalu(buffer: Uint8Array, base: number, size: number, from: number): boolean {
  if (size < SHORT_START_CODE_SIZE) return false;
  for (let i = from; i < size - SHORT_START_CODE_SIZE; ) {
    const third = buffer[base + i + 2]!;
    if (third > 1) {
      i += SHORT_START_CODE_SIZE;
    } else if (third === 1) {
      if (buffer[base + i + 1] === 0 && buffer[base + i] === 0) {
        naluSearch.nalStart = i + SHORT_START_CODE_SIZE;
        naluSearch.startCodeSize = i >= 1 && buffer[base + i - 1] === 0 ? 4 : 3;
        return true;
      }
      i += SHORT_START_CODE_SIZE;
    } else {
      i++;
    }
  }
  return false;
}
