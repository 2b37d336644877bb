/**
 * Voice gateway (v8) opcodes by canonical name. Where the seeds disagree the canonical name
 * follows Discord's docs table (seed 002) and the other spelling is an alias in the catalog
 * `voiceOpcodes` (for example SELECT_PROTOCOL_ACK for SESSION_DESCRIPTION, SECURE_FRAMES_*
 * for the DAVE_* transition opcodes). Opcode 10 has no name in any seed.
 */
export const VoiceOpcodes = {
  IDENTIFY: 0,
  SELECT_PROTOCOL: 1,
  READY: 2,
  HEARTBEAT: 3,
  SESSION_DESCRIPTION: 4,
  SPEAKING: 5,
  HEARTBEAT_ACK: 6,
  RESUME: 7,
  HELLO: 8,
  RESUMED: 9,
  CLIENTS_CONNECT: 11,
  VIDEO: 12,
  CLIENT_DISCONNECT: 13,
  SESSION_UPDATE: 14,
  MEDIA_SINK_WANTS: 15,
  VOICE_BACKEND_VERSION: 16,
  CHANNEL_OPTIONS_UPDATE: 17,
  FLAGS: 18,
  SPEED_TEST: 19,
  PLATFORM: 20,
  DAVE_PREPARE_TRANSITION: 21,
  DAVE_EXECUTE_TRANSITION: 22,
  DAVE_TRANSITION_READY: 23,
  DAVE_PREPARE_EPOCH: 24,
  DAVE_MLS_EXTERNAL_SENDER: 25,
  DAVE_MLS_KEY_PACKAGE: 26,
  DAVE_MLS_PROPOSALS: 27,
  DAVE_MLS_COMMIT_WELCOME: 28,
  DAVE_MLS_ANNOUNCE_COMMIT_TRANSITION: 29,
  DAVE_MLS_WELCOME: 30,
  DAVE_MLS_INVALID_COMMIT_WELCOME: 31,
} as const;

export type VoiceOpcode = (typeof VoiceOpcodes)[keyof typeof VoiceOpcodes];
export type VoiceOpcodeName = keyof typeof VoiceOpcodes;

/** Voice opcodes carried in binary WebSocket frames (research/dave.md 2.1). */
export const VOICE_BINARY_OPCODES: ReadonlySet<number> = new Set([25, 26, 27, 28, 29, 30]);
