import { type OpcodeGap, type OpcodeInfo, indexCatalog, normalizeOpcodeName } from './opcodeCatalog.js';

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

/** How an opcode travels on the voice WebSocket: a JSON text frame or a binary frame (DAVE MLS ops). */
export type VoiceOpcodeFormat = 'json' | 'binary';

export interface VoiceOpcodeInfo extends OpcodeInfo<VoiceOpcodeName> {
  readonly format: VoiceOpcodeFormat;
}

// Seeds: 000 (UPPER_SNAKE names, Documented, Client Action, codes 0-9 and 12-30), 002 (docs-style
// display names, Action, Format, codes 0-31 with blank rows), 003 (AsyncAPI spec, titles
// "Name (Opcode N)" for ops 0-9 and 13). Canonical names follow `VoiceOpcodes`.
const DAVE_DOCUMENTED =
  'Seed 000 marks it undocumented (it predates the DAVE docs); research/dave.md 2 cites the official opcodes-and-status-codes page, which lists it.';

export const voiceOpcodes = [
  {
    code: 0,
    name: 'IDENTIFY',
    aliases: ['Identify', 'Voice Identify'],
    direction: 'send',
    documented: true,
    format: 'json',
    description: 'Start a new voice WebSocket connection.',
  },
  {
    code: 1,
    name: 'SELECT_PROTOCOL',
    aliases: ['Select Protocol'],
    direction: 'send',
    documented: true,
    format: 'json',
    description:
      'Select the voice protocol (udp), the external address from IP discovery and the encryption mode.',
  },
  {
    code: 2,
    name: 'READY',
    aliases: ['Ready', 'Voice Ready'],
    direction: 'receive',
    documented: true,
    format: 'json',
    description: 'Complete the WebSocket handshake: SSRC, UDP address and port, supported encryption modes.',
  },
  {
    code: 3,
    name: 'HEARTBEAT',
    aliases: ['Heartbeat', 'Voice Heartbeat'],
    direction: 'both',
    documented: true,
    format: 'json',
    description: 'Keep the WebSocket connection alive; v8 sends {t, seq_ack}.',
    note: 'Seed 000 says Send; seed 002 says Send/Receive.',
  },
  {
    code: 4,
    name: 'SESSION_DESCRIPTION',
    aliases: ['SELECT_PROTOCOL_ACK', 'Session Description'],
    direction: 'receive',
    documented: true,
    format: 'json',
    description: 'Describe the session: the encryption mode, the secret key and the DAVE protocol version.',
    note: 'Seed 000 calls it SELECT_PROTOCOL_ACK; seeds 002 and 003 call it Session Description.',
  },
  {
    code: 5,
    name: 'SPEAKING',
    aliases: ['Speaking'],
    direction: 'both',
    documented: true,
    format: 'json',
    description: 'Indicate which users are speaking (and map their SSRC to a user ID).',
  },
  {
    code: 6,
    name: 'HEARTBEAT_ACK',
    aliases: ['Heartbeat ACK', 'Voice Heartbeat ACK'],
    direction: 'receive',
    documented: true,
    format: 'json',
    description: 'Acknowledge a received heartbeat.',
  },
  {
    code: 7,
    name: 'RESUME',
    aliases: ['Resume', 'Voice Resume'],
    direction: 'send',
    documented: true,
    format: 'json',
    description: 'Resume a previous session that was disconnected.',
  },
  {
    code: 8,
    name: 'HELLO',
    aliases: ['Hello', 'Voice Hello'],
    direction: 'receive',
    documented: true,
    format: 'json',
    description: 'Sent immediately after connecting, contains the heartbeat_interval to use.',
  },
  {
    code: 9,
    name: 'RESUMED',
    aliases: ['Resumed', 'Voice Resumed'],
    direction: 'receive',
    documented: true,
    format: 'json',
    description: 'Response to acknowledging a successful resume.',
    note: 'Seed 002 has two blank rows (Format JSON only) between 9 and 11; code 10 is named by no seed.',
  },
  {
    code: 11,
    name: 'CLIENTS_CONNECT',
    aliases: ['Clients Connect'],
    direction: 'receive',
    documented: true,
    format: 'json',
    description: 'Indicate that clients have connected to the voice channel (d.user_ids).',
    note: 'Only seed 002 lists it; research/dave.md 2.2 documents its payload.',
  },
  {
    code: 12,
    name: 'VIDEO',
    aliases: ['Video'],
    direction: 'both',
    documented: false,
    format: 'json',
    description: 'Describe the video session (used when users enable their camera).',
    note: 'Seed 000 leaves Client Action blank; seed 002 says Send/Receive.',
  },
  {
    code: 13,
    name: 'CLIENT_DISCONNECT',
    aliases: ['Client Disconnect'],
    direction: 'receive',
    documented: true,
    format: 'json',
    description: 'Indicate that a client has disconnected from the voice channel (d.user_id).',
  },
  {
    code: 14,
    name: 'SESSION_UPDATE',
    aliases: ['Session Update'],
    direction: 'both',
    documented: false,
    format: 'json',
    description: 'Indicate an update in the session description.',
    note: 'Seed 000 leaves Client Action blank; seed 002 says Send/Receive.',
  },
  {
    code: 15,
    name: 'MEDIA_SINK_WANTS',
    aliases: ['Media Sink Wants'],
    direction: 'both',
    documented: false,
    format: 'json',
    description: 'Indicate the media streams wanted for simulcasting.',
    note: 'Seed 000 says Receive; seed 002 says Send/Receive.',
  },
  {
    code: 16,
    name: 'VOICE_BACKEND_VERSION',
    aliases: ['Voice Backend Version'],
    direction: 'both',
    documented: false,
    format: 'json',
    description: 'Version information about the voice backend.',
  },
  {
    code: 17,
    name: 'CHANNEL_OPTIONS_UPDATE',
    aliases: [],
    direction: 'receive',
    documented: false,
    format: 'json',
    description: 'Channel options changed.',
    note: 'Named only by seed 000 (Receive, no description); seed 002 has a blank row (Format JSON only) where 17 would be.',
  },
  {
    code: 18,
    name: 'FLAGS',
    aliases: ['Client Flags'],
    direction: 'receive',
    documented: false,
    format: 'json',
    description: "Indicate a client's voice flags (per-user, see VoiceFlags).",
  },
  {
    code: 19,
    name: 'SPEED_TEST',
    aliases: ['Speed Test'],
    direction: 'receive',
    documented: false,
    format: 'json',
    description: 'Indicate speed test results.',
  },
  {
    code: 20,
    name: 'PLATFORM',
    aliases: ['Client Platform'],
    direction: 'receive',
    documented: false,
    format: 'json',
    description: 'Indicate the platform a client is connected on (per-user, see VoicePlatform).',
  },
  {
    code: 21,
    name: 'DAVE_PREPARE_TRANSITION',
    aliases: ['SECURE_FRAMES_PREPARE_PROTOCOL_TRANSITION', 'DAVE Protocol Prepare Transition'],
    direction: 'receive',
    documented: true,
    format: 'json',
    description:
      'A downgrade from the DAVE protocol (or a re-initialization with transition_id 0) is upcoming.',
    note: DAVE_DOCUMENTED,
  },
  {
    code: 22,
    name: 'DAVE_EXECUTE_TRANSITION',
    aliases: ['SECURE_FRAMES_EXECUTE_TRANSITION', 'DAVE Protocol Execute Transition'],
    direction: 'receive',
    documented: true,
    format: 'json',
    description: 'Execute a previously announced protocol transition.',
    note: DAVE_DOCUMENTED,
  },
  {
    code: 23,
    name: 'DAVE_TRANSITION_READY',
    aliases: ['SECURE_FRAMES_READY_FOR_TRANSITION', 'DAVE Protocol Transition Ready'],
    direction: 'send',
    documented: true,
    format: 'json',
    description:
      'Acknowledge readiness for a previously announced transition (never sent for transition_id 0).',
    note: `Seed 000 leaves Client Action blank; seed 002 says Send. ${DAVE_DOCUMENTED}`,
  },
  {
    code: 24,
    name: 'DAVE_PREPARE_EPOCH',
    aliases: ['SECURE_FRAMES_PREPARE_EPOCH', 'DAVE Protocol Prepare Epoch'],
    direction: 'receive',
    documented: true,
    format: 'json',
    description: 'A DAVE protocol version or group change is upcoming (epoch 1 = a new MLS group).',
    note: DAVE_DOCUMENTED,
  },
  {
    code: 25,
    name: 'DAVE_MLS_EXTERNAL_SENDER',
    aliases: ['MLS_EXTERNAL_SENDER_PACKAGE', 'MLS External Sender Package'],
    direction: 'receive',
    documented: true,
    format: 'binary',
    description: 'Credential and public key for the MLS external sender.',
    note: DAVE_DOCUMENTED,
  },
  {
    code: 26,
    name: 'DAVE_MLS_KEY_PACKAGE',
    aliases: ['MLS_KEY_PACKAGE', 'MLS Key Package'],
    direction: 'send',
    documented: true,
    format: 'binary',
    description: 'MLS key package for a pending group member (a raw KeyPackage, research/dave.md 2.3).',
    note: `Seed 000 leaves Client Action blank; seed 002 says Send. ${DAVE_DOCUMENTED}`,
  },
  {
    code: 27,
    name: 'DAVE_MLS_PROPOSALS',
    aliases: ['MLS_PROPOSALS', 'MLS Proposals'],
    direction: 'receive',
    documented: true,
    format: 'binary',
    description: 'MLS proposals to be appended or revoked.',
    note: DAVE_DOCUMENTED,
  },
  {
    code: 28,
    name: 'DAVE_MLS_COMMIT_WELCOME',
    aliases: ['MLS_COMMIT_WELCOME', 'MLS Commit Welcome'],
    direction: 'send',
    documented: true,
    format: 'binary',
    description: 'MLS commit with optional MLS welcome messages.',
    note: `Seed 000 leaves Client Action blank; seed 002 says Send. ${DAVE_DOCUMENTED}`,
  },
  {
    code: 29,
    name: 'DAVE_MLS_ANNOUNCE_COMMIT_TRANSITION',
    aliases: ['MLS_PREPARE_COMMIT_TRANSITION', 'MLS Announce Commit Transition'],
    direction: 'receive',
    documented: true,
    format: 'binary',
    description:
      'MLS commit to be processed for an upcoming transition (u16 transition_id, then the commit).',
    note:
      'Seed 002 lists its Format as JSON; research/dave.md 2.1-2.2 (docs, discord.js, libdave) carry it as binary, ' +
      'which is what the catalog records. Seed 000 calls it MLS_PREPARE_COMMIT_TRANSITION.',
  },
  {
    code: 30,
    name: 'DAVE_MLS_WELCOME',
    aliases: ['MLS_WELCOME', 'MLS Welcome'],
    direction: 'receive',
    documented: true,
    format: 'binary',
    description: 'MLS welcome to the group for an upcoming transition.',
    note: DAVE_DOCUMENTED,
  },
  {
    code: 31,
    name: 'DAVE_MLS_INVALID_COMMIT_WELCOME',
    aliases: ['MLS Invalid Commit Welcome'],
    direction: 'send',
    documented: true,
    format: 'json',
    description: 'Flag an invalid commit or welcome and request to be re-added.',
    note: 'Only seed 002 lists it (seed 000 stops at 30); research/dave.md 2.2 documents its payload.',
  },
] as const satisfies readonly VoiceOpcodeInfo[];

/** Codes inside 0-31 that no seed names. */
export const voiceOpcodeGaps: readonly OpcodeGap[] = [
  {
    code: 10,
    note:
      'No seed names voice opcode 10: seed 000 skips it and seed 002 has only blank rows (Format JSON) ' +
      'between 9 and 11. Its meaning is unknown.',
  },
];

const voiceIndex = indexCatalog<VoiceOpcodeInfo>(voiceOpcodes);

export function voiceOpcodeInfo(code: number): VoiceOpcodeInfo | undefined {
  return voiceIndex.byCode.get(code);
}

/** Finds an entry by canonical name or alias; case, spaces and underscores do not matter. */
export function voiceOpcodeByName(name: string): VoiceOpcodeInfo | undefined {
  return voiceIndex.byName.get(normalizeOpcodeName(name));
}
