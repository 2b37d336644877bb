/**
 * The shapes Discord sends for READY and GUILD_CREATE (docs topics/gateway-events "Ready",
 * "Guild Create"), built from the world. Fields discord.js reads when it builds its cache are
 * present even when empty, so an unmodified discord.js Client accepts them.
 */
import { GatewayIntentBits as Intents } from '@cordwire/opcodes';
import type { World, WorldGuild, WorldVoiceState } from '../seed.js';

/** A voice state as Discord sends it; `channelId: null` is the state of a user who left. */
export function voiceStatePayload(
  vs: Omit<WorldVoiceState, 'channelId'> & { channelId: string | null },
  world: World,
  withGuildId: boolean,
) {
  const guild = world.guilds.get(vs.guildId);
  const member = guild?.members.get(vs.userId);
  return {
    ...(withGuildId ? { guild_id: vs.guildId } : {}),
    channel_id: vs.channelId,
    user_id: vs.userId,
    ...(member && withGuildId ? { member } : {}),
    session_id: vs.sessionId,
    deaf: false,
    mute: false,
    self_deaf: vs.selfDeaf,
    self_mute: vs.selfMute,
    self_video: false,
    suppress: false,
    request_to_speak_timestamp: null,
  };
}

export function guildCreatePayload(guild: WorldGuild, world: World, intents: number) {
  // Without GUILD_MEMBERS Discord sends only the bot's own member (and voice-state members).
  const members = [...guild.members.values()].filter(
    (m) => intents & Intents.GUILD_MEMBERS || m.user.id === world.bot.id || guild.voiceStates.has(m.user.id),
  );
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    max_members: 500000,
    max_video_channel_users: 25,
    application_id: null,
    features: [],
    // The @everyone role has the guild's id (docs resources/permissions "Role Object").
    roles: [
      {
        id: guild.id,
        name: '@everyone',
        color: 0,
        hoist: false,
        icon: null,
        unicode_emoji: null,
        position: 0,
        permissions: '2248473465835073',
        managed: false,
        mentionable: false,
        flags: 0,
      },
    ],
    emojis: [],
    stickers: [],
    joined_at: '2026-01-01T00:00:00.000Z',
    large: guild.members.size > 250,
    unavailable: false,
    member_count: guild.members.size,
    members,
    channels: [...guild.channels.values()].map((c) => ({
      ...c,
      permission_overwrites: [],
      nsfw: false,
      ...(c.type === 2 || c.type === 13 ? { bitrate: 64000, user_limit: 0, rtc_region: null } : {}),
      ...(c.type === 0 || c.type === 5 ? { topic: null, last_message_id: null, rate_limit_per_user: 0 } : {}),
    })),
    threads: [],
    voice_states: [...guild.voiceStates.values()].map((vs) => voiceStatePayload(vs, world, false)),
    presences:
      intents & Intents.GUILD_PRESENCES
        ? members.map((m) => ({
            user: { id: m.user.id },
            status: 'online',
            activities: [],
            client_status: {},
          }))
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
    user: { ...opts.world.bot, verified: true, mfa_enabled: false, flags: 0, email: null },
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
