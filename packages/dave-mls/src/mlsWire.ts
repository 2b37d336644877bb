/**
 * The few TLS-presentation pieces DAVE needs around ts-mls: RFC 9420 2.1.2 variable-length vectors,
 * op 27 payload parsing (research/dave.md 2.2) and splitting op 28 into commit || welcome.
 * Every reader is bounds-checked and returns a typed error for malformed input.
 */
import { decodeMlsMessage, type MLSMessage } from 'ts-mls';
import { DaveSessionError, DaveSessionErrorCode } from './sessionErrors.js';

const MAX_VARINT = 0x3fff_ffff;

export function varintSize(n: number): number {
  return n < 0x40 ? 1 : n < 0x4000 ? 2 : 4;
}

export function writeVarint(n: number, out: Uint8Array, offset: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_VARINT) throw new RangeError('MLS varint out of range');
  if (n < 0x40) {
    out[offset] = n;
    return offset + 1;
  }
  if (n < 0x4000) {
    out[offset] = 0x40 | (n >> 8);
    out[offset + 1] = n & 0xff;
    return offset + 2;
  }
  out[offset] = 0x80 | (n >>> 24);
  out[offset + 1] = (n >>> 16) & 0xff;
  out[offset + 2] = (n >>> 8) & 0xff;
  out[offset + 3] = n & 0xff;
  return offset + 4;
}

/** `opaque data<V>`: varint length then the bytes. */
export function encodeVector(...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(varintSize(length) + length);
  let offset = writeVarint(length, out, 0);
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const decodeError = (what: string) => new DaveSessionError(DaveSessionErrorCode.DECODE, what);

/** Reads a varint-prefixed vector at `offset`; returns its body and the offset after it. */
export function readVector(buf: Uint8Array, offset: number, what: string): { body: Uint8Array; end: number } {
  if (offset >= buf.length) throw decodeError(`${what}: missing length`);
  const b0 = buf[offset]!;
  const prefix = b0 >> 6;
  let length: number;
  let start: number;
  if (prefix === 0) {
    length = b0 & 0x3f;
    start = offset + 1;
  } else if (prefix === 1) {
    if (offset + 2 > buf.length) throw decodeError(`${what}: truncated length`);
    length = ((b0 & 0x3f) << 8) | buf[offset + 1]!;
    start = offset + 2;
  } else if (prefix === 2) {
    if (offset + 4 > buf.length) throw decodeError(`${what}: truncated length`);
    length = (b0 & 0x3f) * 0x1000000 + (buf[offset + 1]! << 16) + (buf[offset + 2]! << 8) + buf[offset + 3]!;
    start = offset + 4;
  } else throw decodeError(`${what}: invalid varint prefix`);
  if (start + length > buf.length)
    throw decodeError(`${what}: vector runs past the end (${length} bytes declared)`);
  return { body: buf.subarray(start, start + length), end: start + length };
}

/** ts-mls decoders return [value, bytesConsumed] (research/interop-check.md 4.4) or undefined; they can also throw. */
export function decodeMessageAt(
  buf: Uint8Array,
  offset: number,
  what: string,
): { message: MLSMessage; end: number } {
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(buf, offset);
  } catch (cause) {
    throw new DaveSessionError(DaveSessionErrorCode.DECODE, `${what}: malformed MLSMessage`, { cause });
  }
  if (decoded === undefined || decoded[1] <= 0 || offset + decoded[1] > buf.length)
    throw decodeError(`${what}: malformed MLSMessage`);
  return { message: decoded[0], end: offset + decoded[1] };
}

/** Op 27 operation_type (research/dave.md 2.2). */
export const ProposalsOperationType = { APPEND: 0, REVOKE: 1 } as const;
export type ProposalsOperationType = (typeof ProposalsOperationType)[keyof typeof ProposalsOperationType];

/** Op 27 append body (after the operation byte): `MLSMessage proposal_messages<V>`. Returns each message and its raw bytes. */
export function parseProposalMessages(payload: Uint8Array): { message: MLSMessage; bytes: Uint8Array }[] {
  const { body, end } = readVector(payload, 0, 'op 27 proposal_messages');
  if (end !== payload.length) throw decodeError('op 27 proposal_messages: trailing bytes');
  const out: { message: MLSMessage; bytes: Uint8Array }[] = [];
  let offset = 0;
  while (offset < body.length) {
    const { message, end: next } = decodeMessageAt(body, offset, 'op 27 proposal');
    out.push({ message, bytes: body.subarray(offset, next) });
    offset = next;
  }
  if (out.length === 0) throw decodeError('op 27 proposal_messages: empty');
  return out;
}

/** Op 27 revoke body (after the operation byte): `ProposalRef proposal_refs<V>`, each ref `opaque<V>`. */
export function parseProposalRefs(payload: Uint8Array): Uint8Array[] {
  const { body, end } = readVector(payload, 0, 'op 27 proposal_refs');
  if (end !== payload.length) throw decodeError('op 27 proposal_refs: trailing bytes');
  const refs: Uint8Array[] = [];
  let offset = 0;
  while (offset < body.length) {
    const ref = readVector(body, offset, 'op 27 proposal ref');
    refs.push(ref.body);
    offset = ref.end;
  }
  if (refs.length === 0) throw decodeError('op 27 proposal_refs: empty');
  return refs;
}

/**
 * Op 28 is `MLSMessage commit` followed, with no length prefix, by a raw Welcome when the commit adds
 * members (research/dave.md 2.2). The commit's own encoding says where it ends.
 */
export function splitCommitWelcome(payload: Uint8Array): { commit: Uint8Array; welcome?: Uint8Array } {
  const { end } = decodeMessageAt(payload, 0, 'op 28 commit');
  return end === payload.length
    ? { commit: payload.subarray(0, end) }
    : { commit: payload.subarray(0, end), welcome: payload.subarray(end) };
}
