/**
 * Binary voice-gateway framing (research/dave.md 2.1):
 *   server -> client: u16 BE sequence | u8 opcode | payload
 *   client -> server: u8 opcode | payload
 * Pure functions over Uint8Array; decoding returns a typed result and never throws.
 */
import { VOICE_BINARY_OPCODES } from './voiceOpcodes.js';

export interface ServerBinaryFrame {
  readonly seq: number;
  readonly op: number;
  readonly payload: Uint8Array;
}

export interface ClientBinaryFrame {
  readonly op: number;
  readonly payload: Uint8Array;
}

export type BinaryFrameError = {
  readonly ok: false;
  readonly code: 'FRAME_TOO_SHORT' | 'UNKNOWN_BINARY_OPCODE';
  readonly message: string;
};

export type BinaryFrameResult<T> = { readonly ok: true; readonly value: T } | BinaryFrameError;

export function encodeServerBinaryFrame(seq: number, op: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(3 + payload.length);
  out[0] = (seq >>> 8) & 0xff;
  out[1] = seq & 0xff;
  out[2] = op & 0xff;
  out.set(payload, 3);
  return out;
}

export function encodeClientBinaryFrame(op: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + payload.length);
  out[0] = op & 0xff;
  out.set(payload, 1);
  return out;
}

/** The payload is a view into `frame`, not a copy. */
export function decodeServerBinaryFrame(frame: Uint8Array): BinaryFrameResult<ServerBinaryFrame> {
  if (frame.length < 3) {
    return {
      ok: false,
      code: 'FRAME_TOO_SHORT',
      message: `binary voice frame of ${frame.length} bytes; need at least 3`,
    };
  }
  const op = frame[2]!;
  if (!VOICE_BINARY_OPCODES.has(op)) {
    return { ok: false, code: 'UNKNOWN_BINARY_OPCODE', message: `opcode ${op} is not a binary voice opcode` };
  }
  return { ok: true, value: { seq: (frame[0]! << 8) | frame[1]!, op, payload: frame.subarray(3) } };
}

/** The payload is a view into `frame`, not a copy. */
export function decodeClientBinaryFrame(frame: Uint8Array): BinaryFrameResult<ClientBinaryFrame> {
  if (frame.length < 1) {
    return { ok: false, code: 'FRAME_TOO_SHORT', message: 'empty binary voice frame' };
  }
  const op = frame[0]!;
  if (!VOICE_BINARY_OPCODES.has(op)) {
    return { ok: false, code: 'UNKNOWN_BINARY_OPCODE', message: `opcode ${op} is not a binary voice opcode` };
  }
  return { ok: true, value: { op, payload: frame.subarray(1) } };
}
