/**
 * Typed `d` payloads of the main gateway, by opcode.
 *
 * Documented core: Discord docs `gateway.mdx` / `gateway-events.mdx`, checked against
 * research/anchors.md 3.8. Undocumented send ops: seed 001's payload tables; where the seed gives
 * a field no type, the type here is the one its name implies (ids are snowflakes, self_* are
 * booleans, the rest strings) and the field comment says so.
 */

/** A Discord ID: an unsigned 64-bit integer carried as a decimal string. */
export type Snowflake = string;

export interface GatewayIdentifyProperties {
  os: string;
  browser: string;
  device: string;
}

export interface GatewayActivity {
  name: string;
  /** Activity type (0 playing, 1 streaming, 2 listening, 3 watching, 4 custom, 5 competing). */
  type: number;
  url?: string | null;
  state?: string | null;
}

export type GatewayPresenceStatus = 'online' | 'dnd' | 'idle' | 'invisible' | 'offline';

/** Op 3 PRESENCE_UPDATE. */
export interface GatewayPresenceUpdateData {
  /** Unix time in ms since the client went idle, or null. */
  since: number | null;
  activities: GatewayActivity[];
  status: GatewayPresenceStatus;
  afk: boolean;
}

/** Op 2 IDENTIFY. */
export interface GatewayIdentifyData {
  token: string;
  properties: GatewayIdentifyProperties;
  intents: number;
  compress?: boolean;
  /** 50-250: members above which offline members are not sent in GUILD_CREATE. */
  large_threshold?: number;
  /** [shard_id, num_shards]. */
  shard?: [number, number];
  presence?: GatewayPresenceUpdateData;
}

/** Op 6 RESUME. */
export interface GatewayResumeData {
  token: string;
  session_id: string;
  seq: number;
}

/** Op 1 HEARTBEAT: the last sequence number received, or null before any dispatch. */
export type GatewayHeartbeatData = number | null;

/** Op 4 VOICE_STATE_UPDATE. */
export interface GatewayVoiceStateUpdateData {
  /** Null for private (DM / group DM) calls, which user accounts join through this op too. */
  guild_id: Snowflake | null;
  /** Null to disconnect. */
  channel_id: Snowflake | null;
  self_mute: boolean;
  self_deaf: boolean;
}

/** Op 8 REQUEST_GUILD_MEMBERS. One of `query` or `user_ids` is required. */
export interface GatewayRequestGuildMembersData {
  guild_id: Snowflake;
  query?: string;
  /** Required with `query`; 0 with an empty query asks for every member. */
  limit?: number;
  presences?: boolean;
  user_ids?: Snowflake | Snowflake[];
  /** Echoed in GUILD_MEMBERS_CHUNK; at most 32 bytes. */
  nonce?: string;
}

/** Op 10 HELLO. */
export interface GatewayHelloData {
  /** Milliseconds between heartbeats. */
  heartbeat_interval: number;
}

/** Op 9 INVALID_SESSION: whether the session may be resumed. */
export type GatewayInvalidSessionData = boolean;

/** The READY dispatch (op 0, t "READY"): the answer to Identify. */
export interface GatewayReadyData {
  /** API version. */
  v: number;
  user: { id: Snowflake; username: string; [key: string]: unknown };
  /** Guilds the user is in, unavailable until their GUILD_CREATE arrives. */
  guilds: { id: Snowflake; unavailable?: boolean }[];
  session_id: string;
  /** Where to reconnect for a resume. */
  resume_gateway_url: string;
  shard?: [number, number];
  application: { id: Snowflake; flags: number };
}

// ---- Undocumented send ops (seed 001 payload tables) ----

/** Op 5 VOICE_SERVER_PING and op 33 SPEED_TEST_DELETE: "d is null". */
export type GatewayNullData = null;

/** Op 13 CALL_CONNECT. */
export interface GatewayCallConnectData {
  /** Type not given by the seed. */
  channel_id: Snowflake;
}

/** Op 15 LOBBY_CONNECT. */
export interface GatewayLobbyConnectData {
  /** Types not given by the seed. */
  lobby_id: Snowflake;
  lobby_secret: string;
}

/** Op 16 LOBBY_DISCONNECT. */
export interface GatewayLobbyDisconnectData {
  /** Type not given by the seed. */
  lobby_id: Snowflake;
}

/** Op 17 LOBBY_VOICE_STATES_UPDATE. */
export interface GatewayLobbyVoiceStatesUpdateData {
  /** Types not given by the seed. */
  lobby_id: Snowflake;
  self_mute: boolean;
  self_deaf: boolean;
}

/** Op 18 STREAM_CREATE. */
export interface GatewayStreamCreateData {
  /** Type of the stream, e.g. "guild". */
  type: string;
  guild_id: Snowflake;
  channel_id: Snowflake;
  preferred_region: string;
}

/** Ops 19 STREAM_DELETE, 20 STREAM_WATCH and 21 STREAM_PING. */
export interface GatewayStreamKeyData {
  stream_key: string;
}

/** Op 22 STREAM_SET_PAUSED. */
export interface GatewayStreamSetPausedData {
  stream_key: string;
  paused: boolean;
}

/** Op 26 EMBEDDED_ACTIVITY_CLOSE. */
export interface GatewayEmbeddedActivityCloseData {
  guild_id: Snowflake | null;
  channel_id: Snowflake;
  application_id: Snowflake;
}

/** Thread subobject of REQUEST_FORUM_UNREADS. */
export interface GatewayForumUnreadsThread {
  thread_id: Snowflake;
  /** ID of the last read message. */
  ack_message_id: Snowflake;
}

/** Op 28 REQUEST_FORUM_UNREADS; answered by a FORUM_UNREADS dispatch. */
export interface GatewayRequestForumUnreadsData {
  guild_id: Snowflake;
  channel_id: Snowflake;
  threads: GatewayForumUnreadsThread[];
}

/** Op 30 GET_DELETED_ENTITY_IDS_NOT_MATCHING_HASH ("Request Deleted Entity IDs"). */
export interface GatewayGetDeletedEntityIdsNotMatchingHashData {
  guild_id: Snowflake;
  channel_ids_hash: string[];
  role_ids_hash: string[];
  emoji_ids_hash: string[];
  sticker_ids_hash: string[];
}

/** Op 31 REQUEST_SOUNDBOARD_SOUNDS; answered by one SOUNDBOARD_SOUNDS dispatch per guild. */
export interface GatewayRequestSoundboardSoundsData {
  guild_ids: Snowflake[];
}

/** Op 32 SPEED_TEST_CREATE. */
export interface GatewaySpeedTestCreateData {
  /** Type not given by the seed. */
  preferred_region: string;
}

/** Op 34 REQUEST_LAST_MESSAGES. */
export interface GatewayRequestLastMessagesData {
  /** Types not given by the seed. */
  guild_id: Snowflake;
  channel_ids: Snowflake[];
}

/** Op 35 SEARCH_RECENT_MEMBERS. */
export interface GatewaySearchRecentMembersData {
  /** Types not given by the seed; continuation_token is accepted as absent or null (first page). */
  guild_id: Snowflake;
  query: string;
  continuation_token?: string | null;
}

/**
 * `d` of every op a client sends, by opcode. Ops whose payload no seed describes (14, 24, 25,
 * 27, 29, 36-43) carry `unknown`.
 */
export interface GatewayClientPayloadMap {
  1: GatewayHeartbeatData;
  2: GatewayIdentifyData;
  3: GatewayPresenceUpdateData;
  4: GatewayVoiceStateUpdateData;
  5: GatewayNullData;
  6: GatewayResumeData;
  8: GatewayRequestGuildMembersData;
  13: GatewayCallConnectData;
  14: unknown;
  15: GatewayLobbyConnectData;
  16: GatewayLobbyDisconnectData;
  17: GatewayLobbyVoiceStatesUpdateData;
  18: GatewayStreamCreateData;
  19: GatewayStreamKeyData;
  20: GatewayStreamKeyData;
  21: GatewayStreamKeyData;
  22: GatewayStreamSetPausedData;
  24: unknown;
  25: unknown;
  26: GatewayEmbeddedActivityCloseData;
  27: unknown;
  28: GatewayRequestForumUnreadsData;
  29: unknown;
  30: GatewayGetDeletedEntityIdsNotMatchingHashData;
  31: GatewayRequestSoundboardSoundsData;
  32: GatewaySpeedTestCreateData;
  33: GatewayNullData;
  34: GatewayRequestLastMessagesData;
  35: GatewaySearchRecentMembersData;
  36: unknown;
  37: unknown;
  38: unknown;
  39: unknown;
  40: unknown;
  41: unknown;
  42: unknown;
  43: unknown;
}

/** `d` of every op the server sends, by opcode. Dispatch `d` depends on `t` (see `GatewayReadyData`). */
export interface GatewayServerPayloadMap {
  0: unknown;
  1: GatewayHeartbeatData;
  7: null;
  9: GatewayInvalidSessionData;
  10: GatewayHelloData;
  11: null;
}

export type GatewayClientOpcode = keyof GatewayClientPayloadMap;
export type GatewayServerOpcode = keyof GatewayServerPayloadMap;

/** A client -> server message. */
export type GatewayClientPayload = {
  [Op in GatewayClientOpcode]: { op: Op; d: GatewayClientPayloadMap[Op] };
}[GatewayClientOpcode];

/** Op 0: an event; `s` orders events for resume and heartbeat, `t` names the event. */
export interface GatewayDispatchPayload {
  op: 0;
  d: unknown;
  s: number;
  t: string;
}

/** A server -> client message. Non-dispatch messages carry `s` and `t` as null. */
export type GatewayServerPayload =
  | GatewayDispatchPayload
  | {
      [Op in Exclude<GatewayServerOpcode, 0>]: {
        op: Op;
        d: GatewayServerPayloadMap[Op];
        s: null;
        t: null;
      };
    }[Exclude<GatewayServerOpcode, 0>];
