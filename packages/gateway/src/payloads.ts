/**
 * Shapes of the gateway payloads this client sends and reads (docs "Gateway Events").
 * Only what the client itself relies on is typed strictly; dispatch data stays `unknown`
 * unless an event map narrows it.
 */
export interface GatewayPayload {
  readonly op: number;
  readonly d?: unknown;
  readonly s?: number | null;
  readonly t?: string | null;
}

export interface IdentifyProperties {
  readonly os: string;
  readonly browser: string;
  readonly device: string;
}

export interface PresenceActivity {
  readonly name: string;
  readonly type: number;
  readonly url?: string | null;
  readonly state?: string;
}

/** Op 3 Presence Update (also the `presence` field of IDENTIFY). */
export interface PresenceUpdateData {
  readonly since: number | null;
  readonly activities: readonly PresenceActivity[];
  readonly status: 'online' | 'dnd' | 'idle' | 'invisible' | 'offline';
  readonly afk: boolean;
}

/** Op 4 Voice State Update. */
export interface VoiceStateUpdateData {
  readonly guild_id: string;
  readonly channel_id: string | null;
  readonly self_mute: boolean;
  readonly self_deaf: boolean;
}

/** Op 8 Request Guild Members (the nonce is added by the client). */
export interface RequestGuildMembersData {
  readonly guild_id: string;
  readonly query?: string;
  readonly limit?: number;
  readonly presences?: boolean;
  readonly user_ids?: string | readonly string[];
}

/** Op 31 Request Soundboard Sounds. */
export interface RequestSoundboardSoundsData {
  readonly guild_ids: readonly string[];
}

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
