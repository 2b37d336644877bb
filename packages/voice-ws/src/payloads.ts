/**
 * Server messages of the voice gateway v8 as this client sees them. Validation is
 * `decodeVoicePayload` from @cordwire/opcodes (one decoder for the whole project); this file only
 * shapes two payloads for use: the session key becomes bytes, and a heartbeat ACK is always {t}.
 * A message that fails validation is an error result, never a throw: the caller drops and counts it.
 */
import { isIP } from 'node:net';
import { VoiceSessionKey } from './sessionKey.js';
import {
  decodeVoicePayload,
  type VoiceClientDisconnectData,
  type VoiceClientsConnectData,
  type VoiceDavePrepareEpochData,
  type VoiceDavePrepareTransitionData,
  type VoiceDaveTransitionData,
  type VoiceFlagsData,
  type VoiceHelloData,
  VoiceOpcodes,
  type VoicePlatformData,
  type VoiceReadyData,
  type VoiceSpeakingEventData,
} from '@cordwire/opcodes';

export type HelloData = VoiceHelloData;
export type ReadyData = VoiceReadyData;
export type SpeakingData = VoiceSpeakingEventData;
export type ClientsConnectData = VoiceClientsConnectData;
export type ClientDisconnectData = VoiceClientDisconnectData;
export type FlagsData = VoiceFlagsData;
export type PlatformData = VoicePlatformData;
export type DavePrepareTransitionData = VoiceDavePrepareTransitionData;
export type DaveExecuteTransitionData = VoiceDaveTransitionData;
export type DavePrepareEpochData = VoiceDavePrepareEpochData;

export interface SessionDescriptionData {
  readonly mode: string;
  /**
   * The 32-byte transport key, opaque: it prints and serializes as redacted, and only this
   * package reads its bytes (to key the transport cipher).
   */
  readonly secret_key: VoiceSessionKey;
  /** 0 when the server leaves it out (no DAVE). */
  readonly dave_protocol_version: number;
}

export interface HeartbeatAckData {
  readonly t: number;
}

/** JSON receive opcodes with the data this client hands on. Opcodes without a settled shape carry `unknown`. */
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
  [VoiceOpcodes.VOICE_BACKEND_VERSION]: unknown;
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
  /** Validated and shaped data (see VoiceReceivePayloads). */
  readonly d: unknown;
  readonly seq: number | undefined;
}

export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

/** Parses and validates one text frame from the server. */
export function decodeVoiceMessage(text: string): DecodeResult<DecodedVoiceMessage> {
  const decoded = decodeVoicePayload(text, { sender: 'server' });
  if (!decoded.ok) return { ok: false, error: decoded.error.message };
  const { op, d } = decoded.value;
  const seq = decoded.value.seq;
  switch (op) {
    case VoiceOpcodes.READY: {
      // The UDP address media goes to: an IP literal (a hostname would go through DNS) and a
      // port that can be sent to.
      const { ip, port } = d as { ip: string; port: number };
      if (ip.includes('%') || isIP(ip) === 0)
        return { ok: false, error: 'voice READY ip is not an IP address' };
      if (port === 0) return { ok: false, error: 'voice READY port is 0' };
      return { ok: true, value: { op, d, seq } };
    }
    case VoiceOpcodes.SESSION_DESCRIPTION:
      return {
        ok: true,
        value: {
          op,
          seq,
          d: {
            mode: d.mode,
            secret_key: new VoiceSessionKey(d.secret_key),
            dave_protocol_version: d.dave_protocol_version ?? 0,
          } satisfies SessionDescriptionData,
        },
      };
    case VoiceOpcodes.HEARTBEAT_ACK:
      // v8 answers {t}; older servers echo the bare nonce.
      return {
        ok: true,
        value: { op, seq, d: { t: typeof d === 'number' ? d : d.t } satisfies HeartbeatAckData },
      };
    default:
      return { ok: true, value: { op, d, seq } };
  }
}
