import { type Result, RtpPacketError, err, ok } from './errors.js';

/**
 * RTP packets as Discord voice uses them (RFC 3550 §5.1; research/anchors.md 3.3-3.4):
 *   byte 0: V(2) P(1) X(1) CC(4)    byte 1: M(1) PT(7)
 *   seq u16, timestamp u32, ssrc u32, then CC × u32 CSRC, then when X is set a 4-byte
 *   extension preamble (profile u16, length u16 in 32-bit words) and length × 4 bytes of body.
 * Discord sends Opus as PT 120 (0x78) and uses the one-byte-header extension profile 0xBEDE
 * (RFC 8285 §4.2).
 */
export const RTP_VERSION = 2;
export const RTP_FIXED_HEADER_LENGTH = 12;
export const OPUS_PAYLOAD_TYPE = 120;
export const ONE_BYTE_EXTENSION_PROFILE = 0xbede;
/** Opus at 48 kHz, 20 ms per frame: the timestamp advances by 960 per packet. */
export const OPUS_FRAME_SAMPLES = 960;

export interface RtpHeader {
  readonly padding: boolean;
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  /** Extension profile from the preamble, or null when X is clear. */
  readonly extensionProfile: number | null;
  /** Extension body length in 32-bit words (0 when X is clear). */
  readonly extensionWords: number;
  /**
   * Bytes of fixed header + CSRC list + extension preamble. For the `*_rtpsize` transport modes
   * this is exactly the part left in clear (and authenticated).
   */
  readonly headerLength: number;
}

export interface RtpHeaderInit {
  readonly marker?: boolean;
  readonly payloadType?: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs?: readonly number[];
  /** Profile to write in the preamble when an extension body is present; default 0xBEDE. */
  readonly extensionProfile?: number;
}

export interface RtpPacket {
  readonly header: RtpHeader;
  /** Extension body (header extension elements), empty when X is clear. */
  readonly extensionBody: Uint8Array;
  /** Payload with extension body and padding removed: an Opus frame or a DAVE frame. */
  readonly payload: Uint8Array;
}

/** RFC 5761 §4: a second byte in 192..223 is RTCP (SR 200, RR 201, SDES 202, BYE 203, APP 204, FB 205/206). */
export function isRtcpPacket(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0]! >> 6 === RTP_VERSION && bytes[1]! >= 192 && bytes[1]! <= 223;
}

/** Shared by every header without CSRCs (nearly all of Discord's), so parsing allocates no list. */
const NO_CSRCS: readonly number[] = Object.freeze([]);

/**
 * Read the part of an RTP header that is in clear under the rtpsize modes: fixed header, CSRC
 * list and extension preamble. Does not need (or look at) the extension body or payload.
 */
export function parseRtpHeader(bytes: Uint8Array): Result<RtpHeader, RtpPacketError> {
  const header = readRtpHeader(bytes);
  return header instanceof RtpPacketError ? err(header) : ok(header);
}

/**
 * `parseRtpHeader` without the `Result` wrapper, for the receive path: the header, or the error
 * (returned, not thrown).
 */
export function readRtpHeader(bytes: Uint8Array): RtpHeader | RtpPacketError {
  const length = bytes.length;
  if (length < RTP_FIXED_HEADER_LENGTH) {
    return new RtpPacketError(`packet of ${length} bytes is shorter than an RTP header`);
  }
  const b0 = bytes[0]!;
  if (b0 >> 6 !== RTP_VERSION) return new RtpPacketError(`RTP version ${b0 >> 6}, expected 2`);
  const cc = b0 & 0x0f;
  const hasExtension = (b0 & 0x10) !== 0;
  let offset = RTP_FIXED_HEADER_LENGTH + 4 * cc;
  if (offset + (hasExtension ? 4 : 0) > length) {
    return new RtpPacketError('CSRC list or extension preamble runs past the packet');
  }
  let csrcs = NO_CSRCS;
  if (cc > 0) {
    const list: number[] = [];
    for (let i = 0; i < cc; i++) list.push(readU32(bytes, RTP_FIXED_HEADER_LENGTH + 4 * i));
    csrcs = list;
  }
  let extensionProfile: number | null = null;
  let extensionWords = 0;
  if (hasExtension) {
    extensionProfile = (bytes[offset]! << 8) | bytes[offset + 1]!;
    extensionWords = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
    offset += 4;
  }
  const b1 = bytes[1]!;
  return {
    padding: (b0 & 0x20) !== 0,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequence: (bytes[2]! << 8) | bytes[3]!,
    timestamp: readU32(bytes, 4),
    ssrc: readU32(bytes, 8),
    csrcs,
    extensionProfile,
    extensionWords,
    headerLength: offset,
  };
}

/**
 * Where the payload ends in `packet[bodyStart..]` once RFC 3550 padding is removed, checking that
 * padding and extension body fit; the error otherwise. The extension body is
 * `[bodyStart, bodyStart + 4 * extensionWords)` and the payload follows it up to the returned end.
 */
export function rtpPayloadEnd(
  header: RtpHeader,
  packet: Uint8Array,
  bodyStart: number,
): number | RtpPacketError {
  const extensionLength = 4 * header.extensionWords;
  let end = packet.length - bodyStart;
  if (header.padding) {
    if (end <= 0) return new RtpPacketError('padding bit set on an empty body');
    const padding = packet[packet.length - 1]!;
    if (padding === 0 || padding > end - extensionLength) {
      return new RtpPacketError(`padding count ${padding} does not fit the body`);
    }
    end -= padding;
  }
  if (extensionLength > end) {
    return new RtpPacketError('extension body runs past the packet');
  }
  return bodyStart + end;
}

/**
 * Split what follows the clear header (after transport decryption, or the rest of an unencrypted
 * packet) into extension body and payload, removing RFC 3550 padding. This is where the rtpsize
 * "encrypted extension body" is stripped before the frame reaches DAVE.
 */
export function splitRtpBody(header: RtpHeader, body: Uint8Array): Result<RtpPacket, RtpPacketError> {
  const end = rtpPayloadEnd(header, body, 0);
  if (end instanceof RtpPacketError) return err(end);
  const extensionLength = 4 * header.extensionWords;
  return ok({
    header,
    extensionBody: body.subarray(0, extensionLength),
    payload: body.subarray(extensionLength, end),
  });
}

/** Parse an unencrypted RTP packet (for example after transport decryption). */
export function parseRtpPacket(bytes: Uint8Array): Result<RtpPacket, RtpPacketError> {
  const header = readRtpHeader(bytes);
  if (header instanceof RtpPacketError) return err(header);
  const start = header.headerLength;
  const end = rtpPayloadEnd(header, bytes, start);
  if (end instanceof RtpPacketError) return err(end);
  const extensionEnd = start + 4 * header.extensionWords;
  return ok({
    header,
    extensionBody: bytes.subarray(start, extensionEnd),
    payload: bytes.subarray(extensionEnd, end),
  });
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RtpPacketError(`${name} must be an integer in 0..${max}, got ${value}`);
  }
}

/** Length of the header `writeRtpHeader` produces for these fields. */
export function rtpHeaderLength(init: RtpHeaderInit, hasExtension: boolean): number {
  return RTP_FIXED_HEADER_LENGTH + 4 * (init.csrcs?.length ?? 0) + (hasExtension ? 4 : 0);
}

/**
 * Write the clear header into `out` at `offset`; returns the bytes written. `extensionWords` is
 * the length of the extension body that will follow (null for no extension), `padding` sets P.
 */
export function writeRtpHeader(
  out: Uint8Array,
  offset: number,
  init: RtpHeaderInit,
  extensionWords: number | null = null,
  padding = false,
): number {
  const csrcs = init.csrcs ?? [];
  const payloadType = init.payloadType ?? OPUS_PAYLOAD_TYPE;
  checkField('payloadType', payloadType, 0x7f);
  checkField('sequence', init.sequence, 0xffff);
  checkField('timestamp', init.timestamp, 0xffffffff);
  checkField('ssrc', init.ssrc, 0xffffffff);
  if (csrcs.length > 15) throw new RtpPacketError('at most 15 CSRCs fit in an RTP header');
  const length = rtpHeaderLength(init, extensionWords !== null);
  if (offset < 0 || offset + length > out.length) throw new RtpPacketError('output buffer too small');
  out[offset] = 0x80 | (padding ? 0x20 : 0) | (extensionWords !== null ? 0x10 : 0) | csrcs.length;
  out[offset + 1] = (init.marker ? 0x80 : 0) | payloadType;
  out[offset + 2] = init.sequence >>> 8;
  out[offset + 3] = init.sequence & 0xff;
  writeU32(out, offset + 4, init.timestamp);
  writeU32(out, offset + 8, init.ssrc);
  let at = offset + RTP_FIXED_HEADER_LENGTH;
  for (const csrc of csrcs) {
    checkField('csrc', csrc, 0xffffffff);
    writeU32(out, at, csrc);
    at += 4;
  }
  if (extensionWords !== null) {
    checkField('extension length', extensionWords, 0xffff);
    const profile = init.extensionProfile ?? ONE_BYTE_EXTENSION_PROFILE;
    checkField('extensionProfile', profile, 0xffff);
    out[at] = profile >>> 8;
    out[at + 1] = profile & 0xff;
    out[at + 2] = extensionWords >>> 8;
    out[at + 3] = extensionWords & 0xff;
    at += 4;
  }
  return at - offset;
}

/**
 * Build an unencrypted RTP packet. `extensionBody` must be a whole number of 32-bit words
 * (see `encodeOneByteExtensions`); `paddingLength` (1..255) appends RFC 3550 padding.
 */
export function buildRtpPacket(
  init: RtpHeaderInit,
  payload: Uint8Array,
  options: { extensionBody?: Uint8Array; paddingLength?: number } = {},
): Uint8Array {
  const extension = options.extensionBody;
  if (extension && extension.length % 4 !== 0) {
    throw new RtpPacketError('extension body must be a multiple of 4 bytes');
  }
  const padding = options.paddingLength ?? 0;
  checkField('paddingLength', padding, 0xff);
  const headerLength = rtpHeaderLength(init, extension !== undefined);
  const out = new Uint8Array(headerLength + (extension?.length ?? 0) + payload.length + padding);
  writeRtpHeader(out, 0, init, extension ? extension.length / 4 : null, padding > 0);
  let at = headerLength;
  if (extension) {
    out.set(extension, at);
    at += extension.length;
  }
  out.set(payload, at);
  if (padding > 0) out[out.length - 1] = padding;
  return out;
}

export interface RtpHeaderExtensionElement {
  /** 1..14 (RFC 8285 §4.2; 15 is reserved and stops parsing). */
  readonly id: number;
  /** 1..16 bytes. */
  readonly data: Uint8Array;
}

/** Encode one-byte-header extension elements, zero-padded to a 32-bit boundary. */
export function encodeOneByteExtensions(elements: readonly RtpHeaderExtensionElement[]): Uint8Array {
  let length = 0;
  for (const element of elements) {
    checkField('extension id', element.id, 14);
    if (element.id === 0) throw new RtpPacketError('extension id 0 is padding, not an element');
    if (element.data.length < 1 || element.data.length > 16) {
      throw new RtpPacketError('one-byte extension elements carry 1..16 bytes');
    }
    length += 1 + element.data.length;
  }
  const out = new Uint8Array(Math.ceil(length / 4) * 4);
  let at = 0;
  for (const element of elements) {
    out[at++] = (element.id << 4) | (element.data.length - 1);
    out.set(element.data, at);
    at += element.data.length;
  }
  return out;
}

/** Decode a one-byte-header extension body (profile 0xBEDE). Zero bytes are padding. */
export function parseOneByteExtensions(
  body: Uint8Array,
): Result<RtpHeaderExtensionElement[], RtpPacketError> {
  const elements: RtpHeaderExtensionElement[] = [];
  let at = 0;
  while (at < body.length) {
    const byte = body[at]!;
    if (byte === 0) {
      at++;
      continue;
    }
    const id = byte >> 4;
    if (id === 15) break;
    const length = (byte & 0x0f) + 1;
    if (at + 1 + length > body.length) return err(new RtpPacketError('extension element runs past the body'));
    elements.push({ id, data: body.subarray(at + 1, at + 1 + length) });
    at += 1 + length;
  }
  return ok(elements);
}

export interface RtcpHeader {
  readonly packetType: number;
  /** Report count / subtype (the low 5 bits of byte 0). */
  readonly count: number;
  /** Length in 32-bit words minus one, as on the wire. */
  readonly lengthWords: number;
  readonly ssrc: number;
}

/** The first 8 bytes of an RTCP packet (RFC 3550 §6.4). */
export function parseRtcpHeader(bytes: Uint8Array): Result<RtcpHeader, RtpPacketError> {
  if (!isRtcpPacket(bytes)) return err(new RtpPacketError('not an RTCP packet'));
  return ok({
    packetType: bytes[1]!,
    count: bytes[0]! & 0x1f,
    lengthWords: (bytes[2]! << 8) | bytes[3]!,
    ssrc: readU32(bytes, 4),
  });
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>>
    0
  );
}

export function writeU32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = (value >>> 16) & 0xff;
  out[offset + 2] = (value >>> 8) & 0xff;
  out[offset + 3] = value & 0xff;
}
