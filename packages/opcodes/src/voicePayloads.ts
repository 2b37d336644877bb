/**
 * Typed `d` payloads of the voice gateway (v8), by opcode.
 *
 * Sources: seed 003 (AsyncAPI spec for ops 0-9 and 13), seed 000 (FLAGS, PLATFORM), research/anchors.md
 * 3.1 (v8 field names: max_dave_protocol_version, seq_ack, heartbeat {t, seq_ack}, dave_protocol_version),
 * research/dave.md 2.2 (ops 11, 13, 21-24, 29-31). Server messages in v8 may carry a top-level `seq`.
 */
import type { Snowflake } from './gatewayPayloads.js';

/** Op 0 IDENTIFY. */
export interface VoiceIdentifyData {
  /** Guild ID, or channel ID for DM calls. */
  server_id: Snowflake;
  user_id: Snowflake;
  /** Session ID from the main gateway's VOICE_STATE_UPDATE. */
  session_id: string;
  /** Voice token from VOICE_SERVER_UPDATE. */
  token: string;
  /** Highest DAVE protocol version the client supports; 0 or absent = none (closed with 4017 where E2EE is required). */
  max_dave_protocol_version?: number;
}

/** Op 1 SELECT_PROTOCOL. */
export interface VoiceSelectProtocolData {
  /** "udp". */
  protocol: string;
  data: {
    /** External IP found by IP discovery. */
    address: string;
    /** External port found by IP discovery. */
    port: number;
    /** One of the modes offered in READY (see `encryptionModes`). */
    mode: string;
  };
}

/** Op 2 READY. */
export interface VoiceReadyData {
  ssrc: number;
  ip: string;
  port: number;
  modes: string[];
  /** Sent by some servers; must be ignored: the interval comes from HELLO (research/anchors.md 3.1). */
  heartbeat_interval?: number;
}

/** Op 3 HEARTBEAT (v8). `seq_ack` is the last seq seen (JSON or binary), or -1 / absent before any. */
export interface VoiceHeartbeatV8Data {
  t: number;
  seq_ack?: number;
}

/** Op 3 HEARTBEAT: v8 object, or below v8 a bare integer nonce (seed 003). */
export type VoiceHeartbeatData = VoiceHeartbeatV8Data | number;

/** Op 4 SESSION_DESCRIPTION (seed 000: SELECT_PROTOCOL_ACK). */
export interface VoiceSessionDescriptionData {
  mode: string;
  /** 32-byte transport key. A secret: never log it. */
  secret_key: number[];
  /** DAVE version chosen by the server; 0 or absent = transport encryption only. */
  dave_protocol_version?: number;
}

/** Op 5 SPEAKING as a client sends it. */
export interface VoiceSpeakingData {
  /** SpeakingFlags bits. */
  speaking: number;
  delay: number;
  ssrc: number;
}

/** Op 5 SPEAKING as the server sends it: which user owns which SSRC. */
export interface VoiceSpeakingEventData {
  user_id: Snowflake;
  ssrc: number;
  speaking: number;
}

/** Op 6 HEARTBEAT_ACK: v8 echoes `{t}`; below v8 the bare nonce. */
export type VoiceHeartbeatAckData = { t: number } | number;

/** Op 7 RESUME. */
export interface VoiceResumeData {
  server_id: Snowflake;
  session_id: string;
  token: string;
  /** Last seq seen; the server replays what came after it. */
  seq_ack?: number;
}

/** Op 8 HELLO. */
export interface VoiceHelloData {
  /** Milliseconds between heartbeats (may be fractional). */
  heartbeat_interval: number;
}

/** Op 11 CLIENTS_CONNECT. */
export interface VoiceClientsConnectData {
  user_ids: Snowflake[];
}

/** Op 13 CLIENT_DISCONNECT. */
export interface VoiceClientDisconnectData {
  user_id: Snowflake;
}

/** Op 18 FLAGS ("Client Flags"). */
export interface VoiceFlagsData {
  user_id: Snowflake;
  /** VoiceFlags bits. */
  flags: number;
}

/** Op 20 PLATFORM ("Client Platform"). */
export interface VoicePlatformData {
  user_id: Snowflake;
  /** A VoicePlatform value. */
  platform: number;
}

/** Op 21 DAVE_PREPARE_TRANSITION. protocol_version 0 announces a downgrade; transition_id 0 re-initializes. */
export interface VoiceDavePrepareTransitionData {
  transition_id: number;
  protocol_version: number;
}

/** Ops 22 DAVE_EXECUTE_TRANSITION, 23 DAVE_TRANSITION_READY, 31 DAVE_MLS_INVALID_COMMIT_WELCOME. */
export interface VoiceDaveTransitionData {
  /** u16 (libdave `TransitionId`). */
  transition_id: number;
}

/**
 * Op 24 DAVE_PREPARE_EPOCH. research/dave.md 2.2: the wire has protocol_version and epoch, the docs
 * add transition_id, an older discord-api-types had {transition_id, epoch}; all three are optional.
 */
export interface VoiceDavePrepareEpochData {
  protocol_version?: number;
  /** epoch 1 = a new MLS group is being created. */
  epoch?: number;
  transition_id?: number;
}

/**
 * `d` of every JSON op a client sends. 16 (VOICE_BACKEND_VERSION) and the video ops 12, 14, 15 have
 * no payload in any seed.
 */
export interface VoiceClientPayloadMap {
  0: VoiceIdentifyData;
  1: VoiceSelectProtocolData;
  3: VoiceHeartbeatData;
  5: VoiceSpeakingData;
  7: VoiceResumeData;
  12: unknown;
  14: unknown;
  15: unknown;
  16: unknown;
  23: VoiceDaveTransitionData;
  31: VoiceDaveTransitionData;
}

/** `d` of every JSON op the server sends. 29 is binary on the wire; a JSON form carries transition_id. */
export interface VoiceServerPayloadMap {
  2: VoiceReadyData;
  3: VoiceHeartbeatData;
  4: VoiceSessionDescriptionData;
  5: VoiceSpeakingEventData;
  6: VoiceHeartbeatAckData;
  8: VoiceHelloData;
  9: null;
  11: VoiceClientsConnectData;
  12: unknown;
  13: VoiceClientDisconnectData;
  14: unknown;
  15: unknown;
  16: unknown;
  17: unknown;
  18: VoiceFlagsData;
  19: unknown;
  20: VoicePlatformData;
  21: VoiceDavePrepareTransitionData;
  22: VoiceDaveTransitionData;
  24: VoiceDavePrepareEpochData;
  29: VoiceDaveTransitionData;
}

export type VoiceClientOpcode = keyof VoiceClientPayloadMap;
export type VoiceServerOpcode = keyof VoiceServerPayloadMap;

export type VoiceClientPayload = {
  [Op in VoiceClientOpcode]: { op: Op; d: VoiceClientPayloadMap[Op] };
}[VoiceClientOpcode];

/** `seq` is present on server messages that can be replayed after a resume. */
export type VoiceServerPayload = {
  [Op in VoiceServerOpcode]: { op: Op; d: VoiceServerPayloadMap[Op]; seq?: number };
}[VoiceServerOpcode];
