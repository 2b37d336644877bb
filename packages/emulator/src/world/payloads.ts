/**
 * The JSON shapes Discord answers with (docs resources/user, guild, channel, message; topics/
 * permissions "Role Object"), built from the world's state. REST returns them as they are; the
 * gateway adds its event-specific fields on top. Fields discord.js reads are always present.
 */
import type { WorldUser } from '../seed.js';
import type { ChannelState, DmChannel, GuildState, MemberState, MessageState, RoleState } from './world.js';

export function userPayload(u: WorldUser) {
  return {
    id: u.id,
    username: u.username,
    global_name: u.global_name,
    discriminator: u.discriminator,
    avatar: u.avatar,
    public_flags: 0,
    ...(u.bot ? { bot: true } : {}),
  };
}

/** A guild member; `withUser: false` gives the partial member MESSAGE_CREATE carries. */
export function memberPayload(m: MemberState, withUser = true) {
  return {
    ...(withUser ? { user: userPayload(m.user) } : {}),
    nick: m.nick,
    avatar: null,
    banner: null,
    roles: [...m.roles],
    joined_at: m.joined_at,
    premium_since: null,
    deaf: m.deaf,
    mute: m.mute,
    flags: 0,
    pending: false,
    communication_disabled_until: m.communication_disabled_until,
  };
}

export function rolePayload(r: RoleState) {
  return {
    id: r.id,
    name: r.name,
    color: r.color,
    colors: { primary_color: r.color, secondary_color: null, tertiary_color: null },
    hoist: r.hoist,
    icon: null,
    unicode_emoji: null,
    position: r.position,
    permissions: r.permissions.toString(),
    managed: r.managed,
    mentionable: r.mentionable,
    flags: 0,
    ...(r.botId !== undefined ? { tags: { bot_id: r.botId } } : {}),
  };
}

export function channelPayload(c: ChannelState | DmChannel) {
  if (c.type === 1) {
    const dm = c as DmChannel;
    return {
      id: dm.id,
      type: 1,
      last_message_id: dm.last_message_id,
      flags: 0,
      recipients: dm.recipients.map(userPayload),
    };
  }
  const g = c as ChannelState;
  const voice = g.type === 2 || g.type === 13;
  return {
    id: g.id,
    type: g.type,
    guild_id: g.guild_id,
    name: g.name,
    position: g.position,
    parent_id: g.parent_id,
    permission_overwrites: g.permission_overwrites.map((o) => ({
      id: o.id,
      type: o.type,
      allow: o.allow.toString(),
      deny: o.deny.toString(),
    })),
    nsfw: g.nsfw,
    flags: 0,
    ...(voice
      ? { bitrate: g.bitrate, user_limit: g.user_limit, rtc_region: null, last_message_id: g.last_message_id }
      : { topic: g.topic, last_message_id: g.last_message_id, rate_limit_per_user: g.rate_limit_per_user }),
  };
}

export function guildPayload(g: GuildState) {
  return {
    id: g.id,
    name: g.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: g.ownerId,
    region: 'local',
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
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
    roles: [...g.roles.values()].map(rolePayload),
    emojis: [],
    stickers: [],
  };
}

/** A message as REST returns it (no guild_id/member; the gateway adds those). */
export function messagePayload(m: MessageState, viewerId: string) {
  const reactions = [...m.reactions.values()].map((r) => ({
    emoji: { id: r.emoji.id, name: r.emoji.name, ...(r.emoji.animated ? { animated: true } : {}) },
    count: r.users.size,
    count_details: { burst: 0, normal: r.users.size },
    burst_colors: [],
    me: r.users.has(viewerId),
    me_burst: false,
  }));
  const { reactions: _omit, guildId: _guild, pinnedAt: _pinnedAt, ...api } = m;
  return { ...api, ...(reactions.length > 0 ? { reactions } : {}) };
}
