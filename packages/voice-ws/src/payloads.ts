/**
 * Voice gateway v8 payloads the server sends, with validation. Field names follow
 * discord-api-types voice/v8 and research/anchors.md 3.1. A payload that fails validation is
 * reported as an error result, never thrown: the caller drops it and counts it.
 */
import { VoiceOpcodes } from '@cordwire/opcodes';

export interface HelloData {
  readonly heartbeat_interval: number;
}
export interface ReadyData {
  readonly ssrc: number;
  readonly ip: string;
  readonly port: number;
  readonly modes: readonly string[];
}
export interface SessionDescriptionData {
  readonly mode: string;
  /** 32 bytes; never log it. */
  readonly secret_key: Uint8Array;
  readonly dave_protocol_version: number;
}
export interface HeartbeatAckData {
  readonly t: number;
}
export interface SpeakingData {
  readonly user_id: string;
  readonly ssrc: number;
  readonly speaking: number;
}
export interface ClientsConnectData {
  readonly user_ids: readonly string[];
}
export interface ClientDisconnectData {
  readonly user_id: string;
}
export interface FlagsData {
  readonly user_id: string;
  readonly flags: number;
}
export interface PlatformData {
  readonly user_id: string;
  readonly platform: number;
}
export interface VoiceBackendVersionData {
  readonly voice: string;
  readonly rtc_worker: string;
}
export interface DavePrepareTransitionData {
  readonly transition_id: number;
  readonly protocol_version: number;
}
export interface DaveExecuteTransitionData {
  readonly transition_id: number;
}
export interface DavePrepareEpochData {
  readonly epoch: number;
  readonly protocol_version: number;
}

/** JSON receive opcodes with their data type. Opcodes without a settled shape carry `unknown`. */
export interface VoiceReceivePayloads {
  [VoiceOpcodes.READY]: ReadyData;
  [VoiceOpcodes.SESSION_DESCRIPTION]: SessionDescriptionData;
  [VoiceOpcodes.SPEAKING]: SpeakingData;
  [VoiceOpcodes.HEARTBEAT_ACK]: HeartbeatAckData;
  [VoiceOpcodes.HELLO]: HelloData;
  [VoiceOpcodes.RESUMED]: null;
  [VoiceOpcodes.CLIENTS_CONNECT]: ClientsConnectData;
  [VoiceOpcodes.VIDEO]: unknown;
  [VoiceOpcodes.CLIENT_DISCONNECT]: ClientDisconnectData;
  [VoiceOpcodes.SESSION_UPDATE]: unknown;
  [VoiceOpcodes.MEDIA_SINK_WANTS]: unknown;
  [VoiceOpcodes.VOICE_BACKEND_VERSION]: VoiceBackendVersionData;
  [VoiceOpcodes.CHANNEL_OPTIONS_UPDATE]: unknown;
  [VoiceOpcodes.FLAGS]: FlagsData;
  [VoiceOpcodes.SPEED_TEST]: unknown;
  [VoiceOpcodes.PLATFORM]: PlatformData;
  [VoiceOpcodes.DAVE_PREPARE_TRANSITION]: DavePrepareTransitionData;
  [VoiceOpcodes.DAVE_EXECUTE_TRANSITION]: DaveExecuteTransitionData;
  [VoiceOpcodes.DAVE_PREPARE_EPOCH]: DavePrepareEpochData;
}

export type VoiceReceiveOpcode = keyof VoiceReceivePayloads;

export interface DecodedVoiceMessage {
  readonly op: number;
  readonly d: unknown;
  readonly seq: number | undefined;
}

export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

const MAX_MESSAGE_CHARS = 1 << 20;

/** Parses one text frame into `{op, d, seq}`; the data is validated separately per opcode. */
export function decodeVoiceMessage(text: string): DecodeResult<DecodedVoiceMessage> {
  if (text.length > MAX_MESSAGE_CHARS)
    return { ok: false, error: `message of ${text.length} chars is too large` };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: 'invalid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, error: 'not an object' };
  const { op, d, seq } = raw as { op?: unknown; d?: unknown; seq?: unknown };
  if (typeof op !== 'number' || !Number.isInteger(op) || op < 0)
    return { ok: false, error: 'missing or bad op' };
  if (seq !== undefined && seq !== null && !isU16OrInt(seq)) return { ok: false, error: 'bad seq' };
  return { ok: true, value: { op, d, seq: typeof seq === 'number' ? seq : undefined } };
}

function isU16OrInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isFiniteNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
/** Snowflakes arrive as strings; accept numbers too since some servers send them that way. */
const asId = (v: unknown): string | undefined => (isStr(v) ? v : isInt(v) ? String(v) : undefined);

/** Validates `d` for a JSON receive opcode; returns the typed data or an error string. */
export function validateVoicePayload(op: number, d: unknown): DecodeResult<unknown> {
  const bad = (why: string): DecodeResult<unknown> => ({ ok: false, error: `op ${op}: ${why}` });
  switch (op) {
    case VoiceOpcodes.HELLO:
      if (!isObj(d) || !isFiniteNum(d.heartbeat_interval) || d.heartbeat_interval <= 0)
        return bad('heartbeat_interval must be a positive number');
      return { ok: true, value: { heartbeat_interval: d.heartbeat_interval } satisfies HelloData };
    case VoiceOpcodes.READY: {
      if (!isObj(d) || !isInt(d.ssrc) || d.ssrc < 0 || d.ssrc > 0xffffffff) return bad('ssrc must be a u32');
      if (!isStr(d.ip) || !isInt(d.port) || d.port < 1 || d.port > 65535) return bad('ip/port missing');
      if (!Array.isArray(d.modes) || !d.modes.every(isStr)) return bad('modes must be strings');
      return {
        ok: true,
        value: { ssrc: d.ssrc, ip: d.ip, port: d.port, modes: d.modes } satisfies ReadyData,
      };
    }
    case VoiceOpcodes.SESSION_DESCRIPTION: {
      if (!isObj(d) || !isStr(d.mode)) return bad('mode missing');
      const key = d.secret_key;
      if (!Array.isArray(key) || key.length !== 32 || !key.every((b) => isInt(b) && b >= 0 && b <= 255))
        return bad('secret_key must be 32 bytes');
      const dave = d.dave_protocol_version ?? 0;
      if (!isInt(dave) || dave < 0) return bad('dave_protocol_version must be a non-negative integer');
      return {
        ok: true,
        value: {
          mode: d.mode,
          secret_key: Uint8Array.from(key),
          dave_protocol_version: dave,
        } satisfies SessionDescriptionData,
      };
    }
    case VoiceOpcodes.HEARTBEAT_ACK:
      // v8 answers {t}; older servers echo the bare nonce.
      if (isObj(d) && isFiniteNum(d.t)) return { ok: true, value: { t: d.t } };
      if (isFiniteNum(d)) return { ok: true, value: { t: d } };
      return bad('ack without t');
    case VoiceOpcodes.SPEAKING: {
      const user = isObj(d) ? asId(d.user_id) : undefined;
      if (!isObj(d) || user === undefined || !isInt(d.ssrc) || d.ssrc < 0 || d.ssrc > 0xffffffff)
        return bad('speaking needs user_id and ssrc');
      const speaking = isInt(d.speaking) ? d.speaking : d.speaking === true ? 1 : 0;
      return { ok: true, value: { user_id: user, ssrc: d.ssrc, speaking } satisfies SpeakingData };
    }
    case VoiceOpcodes.RESUMED:
      return { ok: true, value: null };
    case VoiceOpcodes.CLIENTS_CONNECT: {
      if (!isObj(d) || !Array.isArray(d.user_ids)) return bad('user_ids missing');
      const ids = d.user_ids.map(asId);
      if (ids.some((x) => x === undefined)) return bad('user_ids must be ids');
      return { ok: true, value: { user_ids: ids as string[] } satisfies ClientsConnectData };
    }
    case VoiceOpcodes.CLIENT_DISCONNECT: {
      const user = isObj(d) ? asId(d.user_id) : undefined;
      if (user === undefined) return bad('user_id missing');
      return { ok: true, value: { user_id: user } satisfies ClientDisconnectData };
    }
    case VoiceOpcodes.FLAGS: {
      const user = isObj(d) ? asId(d.user_id) : undefined;
      if (!isObj(d) || user === undefined || !isInt(d.flags)) return bad('flags needs user_id and flags');
      return { ok: true, value: { user_id: user, flags: d.flags } satisfies FlagsData };
    }
    case VoiceOpcodes.PLATFORM: {
      const user = isObj(d) ? asId(d.user_id) : undefined;
      if (!isObj(d) || user === undefined || !isInt(d.platform))
        return bad('platform needs user_id and platform');
      return { ok: true, value: { user_id: user, platform: d.platform } satisfies PlatformData };
    }
    case VoiceOpcodes.VOICE_BACKEND_VERSION:
      if (!isObj(d)) return bad('not an object');
      return {
        ok: true,
        value: { voice: isStr(d.voice) ? d.voice : '', rtc_worker: isStr(d.rtc_worker) ? d.rtc_worker : '' },
      };
    case VoiceOpcodes.DAVE_PREPARE_TRANSITION:
      if (!isObj(d) || !isInt(d.transition_id) || !isInt(d.protocol_version))
        return bad('transition fields missing');
      return { ok: true, value: { transition_id: d.transition_id, protocol_version: d.protocol_version } };
    case VoiceOpcodes.DAVE_EXECUTE_TRANSITION:
      if (!isObj(d) || !isInt(d.transition_id)) return bad('transition_id missing');
      return { ok: true, value: { transition_id: d.transition_id } };
    case VoiceOpcodes.DAVE_PREPARE_EPOCH:
      if (!isObj(d) || !isInt(d.epoch) || !isInt(d.protocol_version)) return bad('epoch fields missing');
      return { ok: true, value: { epoch: d.epoch, protocol_version: d.protocol_version } };
    case VoiceOpcodes.VIDEO:
    case VoiceOpcodes.SESSION_UPDATE:
    case VoiceOpcodes.MEDIA_SINK_WANTS:
    case VoiceOpcodes.CHANNEL_OPTIONS_UPDATE:
    case VoiceOpcodes.SPEED_TEST:
      return { ok: true, value: d };
    default:
      return bad('not a receive opcode of the voice gateway');
  }
}
