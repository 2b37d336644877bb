/**
 * Shapes of the gateway payloads this client sends and reads (docs "Gateway Events").
 * Only what the client itself relies on is typed strictly; dispatch data stays `unknown`
 * unless an event map narrows it.
 */
import type {
  GatewayClientOpcode,
  GatewayClientPayloadMap,
  GatewayIdentifyProperties,
  GatewayPresenceUpdateData,
  GatewayRequestGuildMembersData,
  GatewayRequestSoundboardSoundsData,
  GatewayVoiceStateUpdateData,
} from '@cordwire/opcodes';

export interface GatewayPayload {
  readonly op: number;
  readonly d?: unknown;
  readonly s?: number | null;
  readonly t?: string | null;
}

// Outbound payload shapes come from the @cordwire/opcodes catalog; the aliases keep this
// package's names short.
export type IdentifyProperties = GatewayIdentifyProperties;
export type PresenceUpdateData = GatewayPresenceUpdateData;
export type VoiceStateUpdateData = GatewayVoiceStateUpdateData;
/** Op 8 without the nonce: the shard adds its own to collect the answer. */
export type RequestGuildMembersData = Omit<GatewayRequestGuildMembersData, 'nonce'>;
export type RequestSoundboardSoundsData = GatewayRequestSoundboardSoundsData;

/** GUILD_MEMBERS_CHUNK dispatch data (the parts the collector reads). */
export interface GuildMembersChunk {
  readonly guild_id: string;
  readonly members: readonly unknown[];
  readonly chunk_index: number;
  readonly chunk_count: number;
  readonly not_found?: readonly unknown[];
  readonly presences?: readonly unknown[];
  readonly nonce?: string;
}

export interface ReadyData {
  readonly v: number;
  readonly session_id: string;
  readonly resume_gateway_url: string;
  readonly user?: unknown;
  readonly guilds?: readonly unknown[];
  readonly shard?: readonly [number, number];
  readonly application?: unknown;
}

/**
 * Opcodes a user may send through a shard, with their `d` typed from the @cordwire/opcodes
 * catalog. Heartbeat (1), Identify (2) and Resume (6) belong to the shard itself.
 */
export type UserSendOpcode = Exclude<GatewayClientOpcode, 1 | 2 | 6>;
export type UserSendData<Op extends UserSendOpcode> = GatewayClientPayloadMap[Op];

/**
 * `d` of dispatch events by name, for `onDispatch`. Open for declaration merging: add the events
 * your bot reads (`declare module '@cordwire/gateway' { interface GatewayDispatchMap { ... } }`).
 */
export interface GatewayDispatchMap {
  READY: ReadyData;
  RESUMED: unknown;
  GUILD_MEMBERS_CHUNK: GuildMembersChunk;
}
