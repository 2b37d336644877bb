/**
 * Validating decoders and plain encoders for voice-gateway (v8) JSON messages. Binary DAVE frames
 * (ops 25-30) go through `decodeServerBinaryFrame` / `decodeClientBinaryFrame` instead.
 *
 * `decodeVoicePayload(input, { sender })` never throws; see `decodeGatewayPayload` for the contract.
 */
import type { DecodeOptions, Sender } from './gatewayCodec.js';
import { parseJsonInput } from './jsonInput.js';
import { type DecodeResult, PayloadDecodeError } from './payloadDecodeError.js';
import {
  type Check,
  Invalid,
  anyValue,
  arrayOf,
  checkAt,
  either,
  int,
  isRecord,
  nullish,
  num,
  object,
  snowflake,
  str,
  u8,
  u16,
  u32,
  uint,
} from './validate.js';
import type {
  VoiceClientOpcode,
  VoiceClientPayload,
  VoiceClientPayloadMap,
  VoiceServerOpcode,
  VoiceServerPayload,
  VoiceServerPayloadMap,
} from './voicePayloads.js';
import { voiceOpcodeInfo } from './voiceOpcodes.js';

/** Voice messages are small; the largest JSON one is CLIENTS_CONNECT with a channel's user IDs. */
export const VOICE_DEFAULT_MAX_LENGTH = 1024 * 1024;

const daveVersion = u16;
/** seq_ack: the last seq seen, or -1 before any (research/anchors.md 3.1). */
const seqAck = int(-1, 0xffff_ffff);

const heartbeat = either(
  '{t, seq_ack?} (v8) or an integer nonce',
  object({ t: num(0) }, { seq_ack: seqAck }),
  int(0),
);

const transition = object({ transition_id: u16 });

const clientChecks: Record<VoiceClientOpcode, Check> = {
  0: object(
    { server_id: snowflake, user_id: snowflake, session_id: str(256), token: str(1024) },
    { max_dave_protocol_version: daveVersion },
  ),
  1: object({
    protocol: str(16),
    data: object({ address: str(256), port: u16, mode: str(64) }),
  }),
  3: heartbeat,
  5: object({ speaking: u8, delay: uint, ssrc: u32 }),
  7: object({ server_id: snowflake, session_id: str(256), token: str(1024) }, { seq_ack: seqAck }),
  12: anyValue,
  14: anyValue,
  15: anyValue,
  16: anyValue,
  23: transition,
  31: transition,
};

const serverChecks: Record<VoiceServerOpcode, Check> = {
  2: object(
    { ssrc: u32, ip: str(256), port: u16, modes: arrayOf(str(64), 64) },
    { heartbeat_interval: num(0) },
  ),
  3: heartbeat,
  // A secret_key of any other length cannot key any of the transport modes (all take 32 bytes).
  4: object({ mode: str(64), secret_key: arrayOf(u8, 32, 32) }, { dave_protocol_version: daveVersion }),
  5: object({ user_id: snowflake, ssrc: u32, speaking: u8 }),
  6: either('{t} (v8) or an integer nonce', object({ t: num(0) }), int(0)),
  8: object({ heartbeat_interval: num(0, 2 ** 31 - 1, true) }),
  9: nullish,
  11: object({ user_ids: arrayOf(snowflake) }),
  12: anyValue,
  13: object({ user_id: snowflake }),
  14: anyValue,
  15: anyValue,
  16: anyValue,
  17: anyValue,
  18: object({ user_id: snowflake, flags: uint }),
  19: anyValue,
  20: object({ user_id: snowflake, platform: uint }),
  21: object({ transition_id: u16, protocol_version: daveVersion }),
  22: transition,
  24: object({}, { protocol_version: daveVersion, epoch: uint, transition_id: u16 }),
  // Binary on the wire (research/dave.md 2.1); seed 002 lists JSON, whose only known field is this.
  29: transition,
};

const opName = (op: number | undefined) => (op === undefined ? undefined : voiceOpcodeInfo(op)?.name);

function fault(
  code: PayloadDecodeError['code'],
  op: number | undefined,
  path: string,
  expected: string,
): { ok: false; error: PayloadDecodeError } {
  return { ok: false, error: new PayloadDecodeError(code, 'voice', op, path, expected, opName(op)) };
}

export function decodeVoicePayload(
  input: unknown,
  options: DecodeOptions & { sender: 'client' },
): DecodeResult<VoiceClientPayload>;
export function decodeVoicePayload(
  input: unknown,
  options?: DecodeOptions & { sender?: 'server' },
): DecodeResult<VoiceServerPayload>;
export function decodeVoicePayload(
  input: unknown,
  options?: DecodeOptions,
): DecodeResult<VoiceClientPayload | VoiceServerPayload>;
export function decodeVoicePayload(
  input: unknown,
  options: DecodeOptions = {},
): DecodeResult<VoiceClientPayload | VoiceServerPayload> {
  try {
    return decodeUnsafe(input, options.sender ?? 'server', options.maxLength ?? VOICE_DEFAULT_MAX_LENGTH);
  } catch {
    return fault('INVALID_FIELD', undefined, '', 'a well-formed voice message');
  }
}

function decodeUnsafe(
  input: unknown,
  sender: Sender,
  maxLength: number,
): DecodeResult<VoiceClientPayload | VoiceServerPayload> {
  const parsed = parseJsonInput(input, 'voice', maxLength);
  if (!parsed.ok) return parsed;
  const msg = parsed.value;
  if (!isRecord(msg)) return fault('NOT_AN_OBJECT', undefined, '', 'a JSON object');
  const op = msg.op;
  if (typeof op !== 'number' || !Number.isInteger(op))
    return fault('INVALID_FIELD', undefined, 'op', 'an integer opcode');
  const checks: Record<number, Check | undefined> = sender === 'client' ? clientChecks : serverChecks;
  const check = checks[op];
  if (check === undefined) {
    const known = voiceOpcodeInfo(op);
    if (!known) return fault('UNKNOWN_OPCODE', op, 'op', 'a known voice opcode');
    if (known.format === 'binary') {
      return fault('BINARY_OPCODE_AS_JSON', op, 'op', `${known.name} in a binary frame, not JSON`);
    }
    return fault(
      'WRONG_DIRECTION',
      op,
      'op',
      `an opcode the ${sender} sends (${known.name} is ${known.direction === 'send' ? 'client' : 'server'}-sent)`,
    );
  }
  const d = msg.d;
  try {
    checkAt('d', check, d);
  } catch (e) {
    if (e instanceof Invalid) return fault('INVALID_FIELD', op, e.path, e.expected);
    return fault('INVALID_FIELD', op, 'd', 'a plain JSON value');
  }
  const body = d === undefined ? null : d;
  if (sender === 'client') return { ok: true, value: { op, d: body } as VoiceClientPayload };
  const seq = msg.seq;
  if (seq === undefined || seq === null) return { ok: true, value: { op, d: body } as VoiceServerPayload };
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || seq > 0xffff_ffff) {
    return fault('INVALID_FIELD', op, 'seq', 'a non-negative integer sequence number');
  }
  return { ok: true, value: { op, d: body, seq } as VoiceServerPayload };
}

/** Serializes a client -> server voice message. */
export function encodeVoiceClientPayload<Op extends VoiceClientOpcode>(
  op: Op,
  d: VoiceClientPayloadMap[Op],
): string {
  return JSON.stringify({ op, d: d === undefined ? null : d });
}

/** Serializes a server -> client voice message; pass `seq` for messages that can be replayed. */
export function encodeVoiceServerPayload<Op extends VoiceServerOpcode>(
  op: Op,
  d: VoiceServerPayloadMap[Op],
  seq?: number,
): string {
  const body = d === undefined ? null : d;
  return JSON.stringify(seq === undefined ? { op, d: body } : { op, d: body, seq });
}
