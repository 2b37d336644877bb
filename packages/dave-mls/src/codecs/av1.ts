/**
 * AV1 (libdave codec_utils.cpp ProcessFrameAv1; research/dave.md 4): each OBU's header and extension
 * byte stay clear, its size stays clear but re-encoded minimally, its payload is encrypted; temporal
 * delimiters, tile lists and padding are dropped; the last OBU loses its size field so the trailer can
 * follow it (Discord's WebRTC patch, protocol.md Appendix A).
 */
import { readLeb128, writeLeb128 } from '../leb128.js';
import type { OutboundFrame } from './outboundFrame.js';

const HAS_EXTENSION = 0b0000_0100;
const HAS_SIZE = 0b0000_0010;
const TYPE_MASK = 0b0111_1000;
const OBU_TEMPORAL_DELIMITER = 2;
const OBU_TILE_LIST = 8;
const OBU_PADDING = 15;

const cursor = { offset: 0 };
const sizeScratch = new Uint8Array(10);
const headerScratch = new Uint8Array(1);

export function processAv1(frame: Uint8Array, out: OutboundFrame): boolean {
  const size = frame.length;
  let i = 0;
  while (i < size) {
    const headerIndex = i;
    let header = frame[i]!;
    i++;
    const hasExtension = (header & HAS_EXTENSION) !== 0;
    const hasSize = (header & HAS_SIZE) !== 0;
    const type = (header & TYPE_MASK) >> 3;
    if (hasExtension) i++;
    if (i >= size) return false;

    let payloadSize: number;
    if (hasSize) {
      payloadSize = readLeb128(frame, i, size, cursor);
      if (payloadSize < 0) return false;
      i = cursor.offset;
    } else {
      payloadSize = size - i;
    }
    const payloadIndex = i;
    if (i + payloadSize > size) return false;
    i += payloadSize;

    if (type === OBU_TEMPORAL_DELIMITER || type === OBU_TILE_LIST || type === OBU_PADDING) continue;
    const dropSize = i === size && hasSize;
    if (dropSize) header &= ~HAS_SIZE;
    headerScratch[0] = header;
    out.addUnencrypted(headerScratch, 0, 1);
    if (hasExtension) out.addUnencrypted(frame, headerIndex + 1, headerIndex + 2);
    if (hasSize && !dropSize) {
      // Some encoders pad LEB128 sizes, which the packetizer would strip; write the minimal form.
      out.addUnencrypted(sizeScratch, 0, writeLeb128(payloadSize, sizeScratch, 0));
    }
    out.addEncrypted(frame, payloadIndex, payloadIndex + payloadSize);
  }
  return true;
}
