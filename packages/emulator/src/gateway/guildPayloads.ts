/**
 * The shapes Discord sends for READY and GUILD_CREATE (docs topics/gateway-events "Ready",
 * "Guild Create"), built from the world with the same builders REST answers with, so a bot's
 * cache agrees whichever surface filled it. Fields discord.js reads are present even when empty.
 */
import { GatewayIntentBits as Intents } from '@cordwire/opcodes';
import type { WorldVoiceState } from '../seed.js';
import {
  channelPayload,
  type GuildState,
  guildPayload,
  memberPayload,
  userPayload,
  type World,
} from '../world/index.js';

/** A user's presence as GUILD_CREATE and PRESENCE_UPDATE carry it. */
export interface PresenceState {
  status: 'online' | 'idle' | 'dnd' | 'offline';
  activities: unknown[];
}

/** Who is online: simulated users set it; everyone else is online. */
export type PresenceLookup = (userId: string) => PresenceState;

export const everyoneOnline: PresenceLookup = () => ({ status: 'online', activities: [] });

/** A voice state as Discord sends it inside GUILD_CREATE (no guild_id; the member only with it). */
export function voiceStatePayload(vs: WorldVoiceState, guild: GuildState) {
  const member = guild.members.get(vs.userId);
  return {
    channel_id: vs.channelId,
    user_id: vs.userId,
    session_id: vs.sessionId,
    deaf: member?.deaf ?? false,
    mute: member?.mute ?? false,
    self_deaf: vs.selfDeaf,
    self_mute: vs.selfMute,
    self_video: false,
    suppress: false,
    request_to_speak_timestamp: null,
  };
}

export function guildCreatePayload(
  guild: GuildState,
  world: World,
  intents: number,
  presence: PresenceLookup,
) {
  // Without GUILD_MEMBERS Discord sends only the bot's own member (and voice-state members).
  const members = [...guild.members.values()].filter(
    (m) => intents & Intents.GUILD_MEMBERS || m.user.id === world.bot.id || guild.voiceStates.has(m.user.id),
  );
  return {
    ...guildPayload(guild),
    joined_at: '2026-01-01T00:00:00.000Z',
    large: guild.members.size > 250,
    unavailable: false,
    member_count: guild.members.size,
    members: members.map((m) => memberPayload(m)),
    channels: [...guild.channels.values()].map((c) => {
      const { guild_id: _omit, ...rest } = channelPayload(c) as { guild_id?: string };
      return rest;
    }),
    threads: [],
    voice_states: [...guild.voiceStates.values()].map((vs) => voiceStatePayload(vs, guild)),
    presences:
      intents & Intents.GUILD_PRESENCES
        ? members.flatMap((m) => {
            const p = presence(m.user.id);
            if (p.status === 'offline') return [];
            return [
              { user: { id: m.user.id }, status: p.status, activities: p.activities, client_status: {} },
            ];
          })
        : [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function readyPayload(opts: {
  world: World;
  apiVersion: number;
  sessionId: string;
  resumeGatewayUrl: string;
  shard: [number, number];
  guildIds: string[];
}) {
  return {
    v: opts.apiVersion,
    user: { ...userPayload(opts.world.bot), verified: true, mfa_enabled: false, flags: 0, email: null },
    user_settings: {},
    guilds: opts.guildIds.map((id) => ({ id, unavailable: true })),
    presences: [],
    private_channels: [],
    relationships: [],
    guild_join_requests: [],
    geo_ordered_rtc_regions: ['local'],
    session_id: opts.sessionId,
    session_type: 'normal',
    resume_gateway_url: opts.resumeGatewayUrl,
    shard: opts.shard,
    application: { id: opts.world.application.id, flags: 0 },
    auth: {},
    _trace: ['["cordwire-emulator",{"micros":0}]'],
  };
}
