import { IpDiscoveryError, type Result, err, ok } from './errors.js';
import { ipFamily } from './ipAddress.js';

/**
 * IP discovery (research/anchors.md 3.2; Discord docs "IP Discovery"): one 74-byte datagram each
 * way, all big-endian.
 *   0  u16 type      1 = request, 2 = response
 *   2  u16 length    70 (the bytes after type and length)
 *   4  u32 ssrc      from READY (op 2)
 *   8  64  address   ASCII, NUL-terminated (zeros in a request)
 *   72 u16 port      (zero in a request)
 * The older 70-byte form was retired on 2023-03-15 and is rejected.
 */
export const IP_DISCOVERY_PACKET_LENGTH = 74;
export const IP_DISCOVERY_REQUEST = 1;
export const IP_DISCOVERY_RESPONSE = 2;
const BODY_LENGTH = 70;
const ADDRESS_OFFSET = 8;
const ADDRESS_FIELD = 64;
const PORT_OFFSET = 72;

export interface IpDiscoveryRequest {
  readonly ssrc: number;
}

export interface IpDiscoveryResponse {
  readonly ssrc: number;
  /** The address the server saw, as text ("203.0.113.7" or "2001:db8::1"). */
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

function checkSsrc(ssrc: number): void {
  if (!Number.isInteger(ssrc) || ssrc < 0 || ssrc > 0xffffffff) {
    throw new IpDiscoveryError(`ssrc must be a u32, got ${ssrc}`);
  }
}

function header(type: number, ssrc: number): Uint8Array {
  const packet = new Uint8Array(IP_DISCOVERY_PACKET_LENGTH);
  const view = new DataView(packet.buffer);
  view.setUint16(0, type);
  view.setUint16(2, BODY_LENGTH);
  view.setUint32(4, ssrc);
  return packet;
}

/** The client's request: type 1, our SSRC, address and port zeroed. */
export function buildIpDiscoveryRequest(ssrc: number): Uint8Array {
  checkSsrc(ssrc);
  return header(IP_DISCOVERY_REQUEST, ssrc);
}

/** The server's answer (the emulator uses this): type 2 with the observed address and port. */
export function buildIpDiscoveryResponse(response: {
  ssrc: number;
  address: string;
  port: number;
}): Uint8Array {
  checkSsrc(response.ssrc);
  if (ipFamily(response.address) === 0) {
    throw new IpDiscoveryError('address is not an IPv4 or IPv6 literal');
  }
  // 63 characters max so the NUL terminator always fits (the longest IPv6 text is 45).
  if (response.address.length >= ADDRESS_FIELD) throw new IpDiscoveryError('address too long');
  if (!Number.isInteger(response.port) || response.port < 0 || response.port > 0xffff) {
    throw new IpDiscoveryError(`port must be a u16, got ${response.port}`);
  }
  const packet = header(IP_DISCOVERY_RESPONSE, response.ssrc);
  for (let i = 0; i < response.address.length; i++) {
    packet[ADDRESS_OFFSET + i] = response.address.charCodeAt(i);
  }
  new DataView(packet.buffer).setUint16(PORT_OFFSET, response.port);
  return packet;
}

function frame(bytes: Uint8Array, expectedType: number): Result<DataView, IpDiscoveryError> {
  if (bytes.length !== IP_DISCOVERY_PACKET_LENGTH) {
    return err(new IpDiscoveryError(`expected ${IP_DISCOVERY_PACKET_LENGTH} bytes, got ${bytes.length}`));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(0);
  if (type !== expectedType) {
    return err(new IpDiscoveryError(`expected type ${expectedType}, got ${type}`));
  }
  const length = view.getUint16(2);
  if (length !== BODY_LENGTH) {
    return err(new IpDiscoveryError(`expected length field ${BODY_LENGTH}, got ${length}`));
  }
  return ok(view);
}

/** Server side: read a client's request. */
export function parseIpDiscoveryRequest(bytes: Uint8Array): Result<IpDiscoveryRequest, IpDiscoveryError> {
  const checked = frame(bytes, IP_DISCOVERY_REQUEST);
  if (!checked.ok) return checked;
  return ok({ ssrc: checked.value.getUint32(4) });
}

/**
 * Client side: read the server's answer. Anything but an exact 74-byte type-2 packet holding a
 * NUL-terminated IPv4/IPv6 literal is an `IpDiscoveryError` (never a throw).
 */
export function parseIpDiscoveryResponse(
  bytes: Uint8Array,
  expectedSsrc?: number,
): Result<IpDiscoveryResponse, IpDiscoveryError> {
  const checked = frame(bytes, IP_DISCOVERY_RESPONSE);
  if (!checked.ok) return checked;
  const view = checked.value;
  const ssrc = view.getUint32(4);
  if (expectedSsrc !== undefined && ssrc !== expectedSsrc) {
    return err(new IpDiscoveryError(`response is for ssrc ${ssrc}, expected ${expectedSsrc}`));
  }
  let end = -1;
  let address = '';
  for (let i = 0; i < ADDRESS_FIELD; i++) {
    const byte = bytes[ADDRESS_OFFSET + i]!;
    if (byte === 0) {
      end = i;
      break;
    }
    if (byte < 0x20 || byte > 0x7e) {
      return err(new IpDiscoveryError('address contains a non-printable byte'));
    }
    address += String.fromCharCode(byte);
  }
  if (end < 0) return err(new IpDiscoveryError('address is not NUL-terminated'));
  const family = ipFamily(address);
  if (family === 0) return err(new IpDiscoveryError('address is not an IPv4 or IPv6 literal'));
  return ok({ ssrc, address, port: view.getUint16(PORT_OFFSET), family });
}

/**
 * Server-side responder: given a datagram and where it came from, the reply to send back, or an
 * error when the datagram is not a discovery request (the caller then treats it as media).
 * IPv4-mapped IPv6 sources ("::ffff:203.0.113.7", what a dual-stack socket reports) are answered
 * with the plain IPv4 text, which is what a client bound to IPv4 expects to select.
 */
export function answerIpDiscovery(
  datagram: Uint8Array,
  observed: { address: string; port: number },
): Result<Uint8Array, IpDiscoveryError> {
  const request = parseIpDiscoveryRequest(datagram);
  if (!request.ok) return request;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(observed.address);
  const address = mapped ? mapped[1]! : observed.address;
  try {
    return ok(buildIpDiscoveryResponse({ ssrc: request.value.ssrc, address, port: observed.port }));
  } catch (error) {
    return err(error as IpDiscoveryError);
  }
}
