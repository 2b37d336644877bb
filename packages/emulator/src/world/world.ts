/**
 * The emulator's world: one model of users, guilds, channels, roles, members, messages,
 * application commands and interactions that REST, the gateway, voice and simulated users all
 * read and change. Every change that Discord announces on the gateway is emitted as a
 * `dispatch` event ({ event, data, guildId }); the gateway layer routes it to sessions by shard
 * and intents, so a change made over REST and one made by a simulated user look the same to a bot.
 */
import { EventEmitter } from 'node:events';
import type { EmulatorClock } from '../clock.js';
import type {
  WorldUser,
  World as SeedWorld,
  WorldChannel,
  WorldGuild,
  WorldMember,
  WorldVoiceState,
} from '../seed.js';
import { ApplicationCommands } from './applicationCommands.js';
import { ChannelMessages, type MessagePage } from './channelMessages.js';
import { Interactions } from './interactions.js';
import {
  channelPayload,
  guildPayload,
  memberPayload,
  messagePayload,
  rolePayload,
  userPayload,
} from './payloads.js';
import {
  channelPermissions,
  DEFAULT_BOT_PERMISSIONS,
  DEFAULT_EVERYONE_PERMISSIONS,
  Permission,
  type PermissionOverwrite,
  basePermissions,
} from './permissions.js';
import { compareSnowflakes, SnowflakeGenerator } from './snowflake.js';
import { WorldError, WorldErrorCode } from './worldError.js';

export interface RoleState {
  id: string;
  name: string;
  color: number;
  hoist: boolean;
  position: number;
  permissions: bigint;
  managed: boolean;
  mentionable: boolean;
  /** Set on a bot's managed role (tags.bot_id). */
  botId?: string;
}

export interface ChannelState extends WorldChannel {
  guild_id: string;
  topic: string | null;
  nsfw: boolean;
  rate_limit_per_user: number;
  bitrate: number;
  user_limit: number;
  permission_overwrites: PermissionOverwrite[];
  last_message_id: string | null;
}

export interface DmChannel {
  id: string;
  type: 1;
  recipients: WorldUser[];
  last_message_id: string | null;
}

export interface MemberState extends WorldMember {
  communication_disabled_until: string | null;
  mute: boolean;
  deaf: boolean;
}

export interface BanState {
  user: WorldUser;
  reason: string | null;
}

export interface GuildState extends WorldGuild {
  channels: Map<string, ChannelState>;
  members: Map<string, MemberState>;
  roles: Map<string, RoleState>;
  bans: Map<string, BanState>;
}

export interface ReactionEmoji {
  id: string | null;
  name: string | null;
  animated?: boolean;
}

export interface ReactionState {
  emoji: ReactionEmoji;
  users: Set<string>;
}

/** A message: Discord's REST fields, plus the reactions and guild the payload is built from. */
export interface MessageState {
  id: string;
  channel_id: string;
  author: ReturnType<typeof userPayload>;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: Array<ReturnType<typeof userPayload>>;
  mention_roles: string[];
  mention_channels?: unknown[];
  attachments: unknown[];
  embeds: unknown[];
  components: unknown[];
  pinned: boolean;
  type: number;
  flags: number;
  nonce?: string | number;
  webhook_id?: string;
  application_id?: string;
  message_reference?: { type: 0; message_id: string; channel_id: string; guild_id?: string };
  referenced_message?: unknown;
  interaction_metadata?: unknown;
  sticker_items?: unknown[];
  poll?: unknown;
  guildId: string | undefined;
  reactions: Map<string, ReactionState>;
  /** When it was pinned; set while `pinned`. */
  pinnedAt?: string;
}

/** What a message is made of; REST validates it before it gets here. */
export interface MessageInput {
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
  attachments?: unknown[];
  tts?: boolean;
  flags?: number;
  nonce?: string | number;
  message_reference?: { message_id?: string; channel_id?: string; fail_if_not_exists?: boolean };
  allowed_mentions?: { parse?: string[]; users?: string[]; roles?: string[]; replied_user?: boolean };
  poll?: unknown;
}

export interface MessageOptions {
  /** Message type (docs resources/message "Message Types"): 0 default, 19 reply, 20 chat input command. */
  type?: number;
  webhookId?: string;
  applicationId?: string;
  interactionMetadata?: unknown;
  /** Ephemeral and interaction-loading messages are not announced on the gateway. */
  silent?: boolean;
}

/** A change Discord would announce on the gateway. `guildId` is absent for DMs and user events. */
export interface WorldDispatch {
  event: string;
  data: Record<string, unknown>;
  guildId?: string;
}

export interface WorldEvents {
  dispatch: [WorldDispatch];
  interactionResponse: [import('./interactions.js').InteractionResponse];
}

/** Message flag 1<<6: only the interaction's user sees it; it is neither dispatched nor listed. */
const EPHEMERAL = 1 << 6;
const USER_MENTION = /<@!?(\d{1,20})>/g;
const ROLE_MENTION = /<@&(\d{1,20})>/g;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export class World extends EventEmitter<WorldEvents> {
  readonly bot: WorldUser;
  readonly application: { id: string; name: string };
  readonly users: Map<string, WorldUser>;
  readonly guilds = new Map<string, GuildState>();
  readonly dms = new Map<string, DmChannel>();
  readonly ids: SnowflakeGenerator;
  readonly commands: ApplicationCommands;
  readonly interactions: Interactions;
  private readonly messages = new Map<string, ChannelMessages<MessageState>>();

  constructor(
    seed: SeedWorld,
    readonly clock: EmulatorClock,
  ) {
    super();
    this.bot = seed.bot;
    this.application = seed.application;
    this.users = seed.users;
    this.ids = new SnowflakeGenerator(clock);
    for (const g of seed.guilds.values()) this.guilds.set(g.id, this.adoptGuild(g));
    this.commands = new ApplicationCommands(this);
    this.interactions = new Interactions(this);
  }

  /** Turns a seeded guild into full state: roles (@everyone, the bot's), channel and member defaults. */
  private adoptGuild(g: WorldGuild): GuildState {
    const roles = new Map<string, RoleState>();
    roles.set(g.id, {
      id: g.id,
      name: '@everyone',
      color: 0,
      hoist: false,
      position: 0,
      permissions: DEFAULT_EVERYONE_PERMISSIONS,
      managed: false,
      mentionable: false,
    });
    // Role ids members were seeded with get a plain role each, so discord.js can resolve them.
    let position = 1;
    for (const m of g.members.values()) {
      for (const r of m.roles) {
        if (!roles.has(r)) {
          roles.set(r, {
            id: r,
            name: `role-${r.slice(-4)}`,
            color: 0,
            hoist: false,
            position: position++,
            permissions: 0n,
            managed: false,
            mentionable: true,
          });
        }
      }
    }
    // A bot joins with a managed role of its own (docs topics/permissions "Role Tags").
    const botRoleId = this.ids.next();
    roles.set(botRoleId, {
      id: botRoleId,
      name: this.application.name.slice(0, 100),
      color: 0,
      hoist: false,
      position: position++,
      permissions: DEFAULT_BOT_PERMISSIONS,
      managed: true,
      mentionable: false,
      botId: this.bot.id,
    });
    const members = new Map<string, MemberState>();
    for (const [id, m] of g.members) {
      members.set(id, {
        ...m,
        roles: id === this.bot.id ? [...m.roles, botRoleId] : [...m.roles],
        communication_disabled_until: null,
        mute: false,
        deaf: false,
      });
    }
    const channels = new Map<string, ChannelState>();
    for (const [id, c] of g.channels) {
      channels.set(id, {
        ...c,
        guild_id: g.id,
        topic: null,
        nsfw: false,
        rate_limit_per_user: 0,
        bitrate: 64000,
        user_limit: 0,
        permission_overwrites: [],
        last_message_id: null,
      });
    }
    return {
      id: g.id,
      name: g.name,
      ownerId: g.ownerId,
      channels,
      members,
      voiceStates: g.voiceStates,
      voiceE2EE: g.voiceE2EE,
      roles,
      bans: new Map(),
    };
  }

  /** Announces a change on the gateway (the gateway layer subscribes to `dispatch`). */
  dispatch(event: string, data: Record<string, unknown>, guildId?: string): void {
    this.emit('dispatch', guildId === undefined ? { event, data } : { event, data, guildId });
  }

  // ---- lookups -------------------------------------------------------------------------------

  user(id: string): WorldUser {
    const u = this.users.get(id);
    if (!u) throw new WorldError(WorldErrorCode.UNKNOWN_USER);
    return u;
  }

  guild(id: string): GuildState {
    const g = this.guilds.get(id);
    if (!g) throw new WorldError(WorldErrorCode.UNKNOWN_GUILD);
    return g;
  }

  member(guildId: string, userId: string): MemberState {
    const m = this.guild(guildId).members.get(userId);
    if (!m) throw new WorldError(WorldErrorCode.UNKNOWN_MEMBER);
    return m;
  }

  /** A guild channel or a DM channel, with its guild. */
  channel(id: string): { channel: ChannelState | DmChannel; guild: GuildState | undefined } {
    for (const g of this.guilds.values()) {
      const c = g.channels.get(id);
      if (c) return { channel: c, guild: g };
    }
    const dm = this.dms.get(id);
    if (dm) return { channel: dm, guild: undefined };
    throw new WorldError(WorldErrorCode.UNKNOWN_CHANNEL);
  }

  message(channelId: string, messageId: string): MessageState {
    const m = this.messages.get(channelId)?.get(messageId);
    if (!m) throw new WorldError(WorldErrorCode.UNKNOWN_MESSAGE);
    return m;
  }

  /** A page of the channel's history, newest first; ephemeral messages are not part of it. */
  listMessages(channelId: string, page: MessagePage): MessageState[] {
    this.channel(channelId);
    return (this.messages.get(channelId)?.list(page) ?? []).filter((m) => (m.flags & EPHEMERAL) === 0);
  }

  // ---- permissions ---------------------------------------------------------------------------

  /** A member's permissions in a guild (no channel) or in one of its channels. */
  permissions(guildId: string, userId: string, channelId?: string): bigint {
    const guild = this.guild(guildId);
    const member = guild.members.get(userId);
    if (!member) return 0n;
    const subject = {
      guildId,
      ownerId: guild.ownerId,
      userId,
      roleIds: member.roles,
      rolePermissions: (id: string) => guild.roles.get(id)?.permissions,
    };
    if (channelId === undefined) return basePermissions(subject);
    const channel = guild.channels.get(channelId);
    return channelPermissions(subject, channel?.permission_overwrites ?? []);
  }

  /**
   * Throws as Discord answers a bot that lacks a permission: 50001 Missing Access when it
   * cannot see the channel at all, 50013 Missing Permissions otherwise. DMs need none.
   */
  requirePermission(channelId: string, userId: string, ...needed: bigint[]): void {
    const { guild } = this.channel(channelId);
    if (!guild) return;
    const p = this.permissions(guild.id, userId, channelId);
    if ((p & Permission.VIEW_CHANNEL) === 0n) throw new WorldError(WorldErrorCode.MISSING_ACCESS);
    for (const bit of needed) {
      if ((p & bit) !== bit) throw new WorldError(WorldErrorCode.MISSING_PERMISSIONS);
    }
  }

  requireGuildPermission(guildId: string, userId: string, needed: bigint): void {
    const p = this.permissions(guildId, userId);
    if ((p & needed) !== needed) throw new WorldError(WorldErrorCode.MISSING_PERMISSIONS);
  }

  /** The position of a member's highest role (0 = only @everyone); the owner is above all. */
  highestRolePosition(guildId: string, userId: string): number {
    const guild = this.guild(guildId);
    if (userId === guild.ownerId) return Number.POSITIVE_INFINITY;
    const member = guild.members.get(userId);
    let top = 0;
    for (const id of member?.roles ?? []) top = Math.max(top, guild.roles.get(id)?.position ?? 0);
    return top;
  }

  /**
   * Discord's role hierarchy (docs topics/permissions "Permission Hierarchy"): an actor may only
   * act on members whose highest role is below its own, never on the owner, and may only grant,
   * remove, edit or delete roles below its highest role. Throws 50013 otherwise.
   */
  requireAbove(
    guildId: string,
    actorId: string,
    target: { userId?: string; roleIds?: readonly string[] },
  ): void {
    const guild = this.guild(guildId);
    if (actorId === guild.ownerId) return;
    const mine = this.highestRolePosition(guildId, actorId);
    if (target.userId !== undefined && target.userId !== actorId) {
      if (this.highestRolePosition(guildId, target.userId) >= mine) {
        throw new WorldError(WorldErrorCode.MISSING_PERMISSIONS);
      }
    }
    for (const id of target.roleIds ?? []) {
      const role = guild.roles.get(id);
      if (role && (role.position >= mine || role.managed))
        throw new WorldError(WorldErrorCode.MISSING_PERMISSIONS);
    }
  }

  // ---- users and members ---------------------------------------------------------------------

  addUser(input: { id?: string; username: string; globalName?: string | null; bot?: boolean }): WorldUser {
    const id = input.id ?? this.ids.next();
    const user: WorldUser = {
      id,
      username: input.username,
      global_name: input.globalName ?? null,
      discriminator: '0',
      avatar: null,
    };
    if (input.bot) user.bot = true;
    this.users.set(id, user);
    return user;
  }

  /** A user joins a guild: GUILD_MEMBER_ADD (GUILD_MEMBERS intent). */
  addMember(
    guildId: string,
    userId: string,
    opts: { nick?: string | null; roles?: string[] } = {},
  ): MemberState {
    const guild = this.guild(guildId);
    const user = this.user(userId);
    const existing = guild.members.get(userId);
    if (existing) return existing;
    const member: MemberState = {
      user,
      nick: opts.nick ?? null,
      roles: opts.roles ?? [],
      joined_at: iso(this.clock.now()),
      communication_disabled_until: null,
      mute: false,
      deaf: false,
    };
    guild.members.set(userId, member);
    this.dispatch('GUILD_MEMBER_ADD', { ...memberPayload(member), guild_id: guildId }, guildId);
    return member;
  }

  /** A member's nick, roles or timeout change: GUILD_MEMBER_UPDATE. */
  updateMember(
    guildId: string,
    userId: string,
    patch: {
      nick?: string | null;
      roles?: string[];
      communication_disabled_until?: string | null;
      mute?: boolean;
      deaf?: boolean;
    },
  ): MemberState {
    const guild = this.guild(guildId);
    const member = this.member(guildId, userId);
    if (patch.roles) {
      for (const r of patch.roles) if (!guild.roles.has(r)) throw new WorldError(WorldErrorCode.UNKNOWN_ROLE);
      member.roles = [...new Set(patch.roles)].filter((r) => r !== guildId);
    }
    if (patch.nick !== undefined) member.nick = patch.nick;
    if (patch.communication_disabled_until !== undefined)
      member.communication_disabled_until = patch.communication_disabled_until;
    if (patch.mute !== undefined) member.mute = patch.mute;
    if (patch.deaf !== undefined) member.deaf = patch.deaf;
    this.dispatch('GUILD_MEMBER_UPDATE', { ...memberPayload(member), guild_id: guildId }, guildId);
    return member;
  }

  /** A member leaves or is kicked: GUILD_MEMBER_REMOVE; their voice state goes with them. */
  removeMember(guildId: string, userId: string): void {
    const guild = this.guild(guildId);
    const member = this.member(guildId, userId);
    guild.members.delete(userId);
    if (guild.voiceStates.has(userId)) this.setVoiceState(guildId, userId, null);
    this.dispatch('GUILD_MEMBER_REMOVE', { guild_id: guildId, user: userPayload(member.user) }, guildId);
  }

  ban(guildId: string, userId: string, reason: string | null = null): void {
    const guild = this.guild(guildId);
    const user = this.user(userId);
    guild.bans.set(userId, { user, reason });
    this.dispatch('GUILD_BAN_ADD', { guild_id: guildId, user: userPayload(user) }, guildId);
    if (guild.members.has(userId)) this.removeMember(guildId, userId);
  }

  unban(guildId: string, userId: string): void {
    const guild = this.guild(guildId);
    const ban = guild.bans.get(userId);
    if (!ban) throw new WorldError(WorldErrorCode.UNKNOWN_BAN);
    guild.bans.delete(userId);
    this.dispatch('GUILD_BAN_REMOVE', { guild_id: guildId, user: userPayload(ban.user) }, guildId);
  }

  // ---- voice states --------------------------------------------------------------------------

  /**
   * A member joins, moves or (with `null`) leaves a voice channel: VOICE_STATE_UPDATE
   * (GUILD_VOICE_STATES). The voice server allocation stays with the gateway layer.
   */
  setVoiceState(
    guildId: string,
    userId: string,
    state: { channelId: string; sessionId: string; selfMute?: boolean; selfDeaf?: boolean } | null,
  ): WorldVoiceState | undefined {
    const guild = this.guild(guildId);
    const member = this.member(guildId, userId);
    const prev = guild.voiceStates.get(userId);
    let next: WorldVoiceState | undefined;
    if (state === null) {
      guild.voiceStates.delete(userId);
    } else {
      const channel = guild.channels.get(state.channelId);
      if (!channel || (channel.type !== 2 && channel.type !== 13))
        throw new WorldError(WorldErrorCode.UNKNOWN_CHANNEL);
      next = {
        guildId,
        channelId: state.channelId,
        userId,
        sessionId: state.sessionId,
        selfMute: state.selfMute ?? false,
        selfDeaf: state.selfDeaf ?? false,
      };
      guild.voiceStates.set(userId, next);
    }
    this.dispatch(
      'VOICE_STATE_UPDATE',
      {
        guild_id: guildId,
        channel_id: next?.channelId ?? null,
        user_id: userId,
        member: memberPayload(member),
        session_id: next?.sessionId ?? prev?.sessionId ?? '',
        deaf: member.deaf,
        mute: member.mute,
        self_deaf: next?.selfDeaf ?? false,
        self_mute: next?.selfMute ?? false,
        self_video: false,
        suppress: false,
        request_to_speak_timestamp: null,
      },
      guildId,
    );
    return next;
  }

  // ---- channels and roles --------------------------------------------------------------------

  createChannel(
    guildId: string,
    input: {
      name: string;
      type?: number;
      parent_id?: string | null;
      topic?: string | null;
      position?: number;
    },
  ): ChannelState {
    const guild = this.guild(guildId);
    const id = this.ids.next();
    const channel: ChannelState = {
      id,
      name: input.name,
      type: input.type ?? 0,
      parent_id: input.parent_id ?? null,
      position: input.position ?? guild.channels.size,
      guild_id: guildId,
      topic: input.topic ?? null,
      nsfw: false,
      rate_limit_per_user: 0,
      bitrate: 64000,
      user_limit: 0,
      permission_overwrites: [],
      last_message_id: null,
    };
    guild.channels.set(id, channel);
    this.dispatch('CHANNEL_CREATE', channelPayload(channel), guildId);
    return channel;
  }

  updateChannel(
    channelId: string,
    patch: Partial<
      Pick<
        ChannelState,
        | 'name'
        | 'topic'
        | 'nsfw'
        | 'rate_limit_per_user'
        | 'position'
        | 'parent_id'
        | 'permission_overwrites'
        | 'bitrate'
        | 'user_limit'
      >
    >,
  ): ChannelState {
    const { channel, guild } = this.channel(channelId);
    if (!guild) throw new WorldError(WorldErrorCode.MISSING_PERMISSIONS);
    const c = channel as ChannelState;
    Object.assign(c, patch);
    this.dispatch('CHANNEL_UPDATE', channelPayload(c), guild.id);
    return c;
  }

  deleteChannel(channelId: string): ChannelState {
    const { channel, guild } = this.channel(channelId);
    if (!guild) throw new WorldError(WorldErrorCode.MISSING_PERMISSIONS);
    guild.channels.delete(channelId);
    this.messages.delete(channelId);
    this.dispatch('CHANNEL_DELETE', channelPayload(channel), guild.id);
    return channel as ChannelState;
  }

  /** The DM channel between the bot and a user, created on first use (no gateway event). */
  dmChannel(userId: string): DmChannel {
    const user = this.user(userId);
    for (const dm of this.dms.values()) if (dm.recipients[0]?.id === userId) return dm;
    const dm: DmChannel = { id: this.ids.next(), type: 1, recipients: [user], last_message_id: null };
    this.dms.set(dm.id, dm);
    return dm;
  }

  createRole(
    guildId: string,
    input: { name?: string; permissions?: bigint; color?: number; hoist?: boolean; mentionable?: boolean },
  ): RoleState {
    const guild = this.guild(guildId);
    const role: RoleState = {
      id: this.ids.next(),
      name: input.name ?? 'new role',
      color: input.color ?? 0,
      hoist: input.hoist ?? false,
      position: 1,
      permissions: input.permissions ?? DEFAULT_EVERYONE_PERMISSIONS,
      managed: false,
      mentionable: input.mentionable ?? false,
    };
    // New roles sit just above @everyone (docs resources/guild "Create Guild Role").
    for (const r of guild.roles.values()) if (r.id !== guildId) r.position += 1;
    guild.roles.set(role.id, role);
    this.dispatch('GUILD_ROLE_CREATE', { guild_id: guildId, role: rolePayload(role) }, guildId);
    return role;
  }

  updateRole(
    guildId: string,
    roleId: string,
    patch: Partial<Pick<RoleState, 'name' | 'permissions' | 'color' | 'hoist' | 'mentionable'>>,
  ): RoleState {
    const role = this.guild(guildId).roles.get(roleId);
    if (!role) throw new WorldError(WorldErrorCode.UNKNOWN_ROLE);
    Object.assign(role, patch);
    this.dispatch('GUILD_ROLE_UPDATE', { guild_id: guildId, role: rolePayload(role) }, guildId);
    return role;
  }

  deleteRole(guildId: string, roleId: string): void {
    const guild = this.guild(guildId);
    if (!guild.roles.has(roleId) || roleId === guildId) throw new WorldError(WorldErrorCode.UNKNOWN_ROLE);
    guild.roles.delete(roleId);
    for (const m of guild.members.values()) m.roles = m.roles.filter((r) => r !== roleId);
    this.dispatch('GUILD_ROLE_DELETE', { guild_id: guildId, role_id: roleId }, guildId);
  }

  /** The bot's managed role in a guild; tests lower its permissions to exercise 50013. */
  botRole(guildId: string): RoleState {
    for (const r of this.guild(guildId).roles.values()) if (r.botId === this.bot.id) return r;
    throw new WorldError(WorldErrorCode.UNKNOWN_ROLE);
  }

  // ---- messages ------------------------------------------------------------------------------

  /**
   * `authorId` posts a message: MESSAGE_CREATE (GUILD_MESSAGES / DIRECT_MESSAGES), the guild
   * variant carrying `guild_id` and the author's partial `member`. Replies resolve their
   * reference (type 19, `referenced_message`).
   */
  postMessage(
    channelId: string,
    authorId: string,
    input: MessageInput,
    opts: MessageOptions = {},
  ): MessageState {
    const { channel, guild } = this.channel(channelId);
    const author = this.user(authorId);
    let reference: MessageState['message_reference'];
    let referenced: MessageState | undefined;
    if (input.message_reference?.message_id !== undefined) {
      const refChannel = input.message_reference.channel_id ?? channelId;
      const found = this.messages.get(refChannel)?.get(input.message_reference.message_id);
      if (!found && input.message_reference.fail_if_not_exists !== false) {
        throw new WorldError(WorldErrorCode.INVALID_FORM_BODY, undefined, {
          message_reference: {
            _errors: [{ code: 'REPLIES_UNKNOWN_MESSAGE', message: 'Unknown message' }],
          },
        });
      }
      if (found) {
        referenced = found;
        reference = {
          type: 0,
          message_id: found.id,
          channel_id: found.channel_id,
          ...(guild ? { guild_id: guild.id } : {}),
        };
      }
    }
    const content = input.content ?? '';
    const now = this.clock.now();
    const message: MessageState = {
      id: this.ids.next(),
      channel_id: channelId,
      author: userPayload(author),
      content,
      timestamp: iso(now),
      edited_timestamp: null,
      tts: input.tts === true,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: input.attachments ?? [],
      embeds: input.embeds ?? [],
      components: input.components ?? [],
      pinned: false,
      type: opts.type ?? (reference ? 19 : 0),
      flags: input.flags ?? 0,
      guildId: guild?.id,
      reactions: new Map(),
    };
    this.resolveMentions(message, input, guild, referenced);
    if (input.nonce !== undefined) message.nonce = input.nonce;
    if (opts.webhookId !== undefined) message.webhook_id = opts.webhookId;
    if (opts.applicationId !== undefined) message.application_id = opts.applicationId;
    if (opts.interactionMetadata !== undefined) message.interaction_metadata = opts.interactionMetadata;
    if (input.poll !== undefined) message.poll = input.poll;
    if (reference && referenced) {
      message.message_reference = reference;
      message.referenced_message = messagePayload(referenced, this.bot.id);
    }
    let store = this.messages.get(channelId);
    if (!store) {
      store = new ChannelMessages();
      this.messages.set(channelId, store);
    }
    store.add(message);
    channel.last_message_id = message.id;
    if (!opts.silent) this.dispatch('MESSAGE_CREATE', this.messageEvent(message, guild), guild?.id);
    return message;
  }

  private resolveMentions(
    message: MessageState,
    input: MessageInput,
    guild: GuildState | undefined,
    referenced: MessageState | undefined,
  ): void {
    const allowed = input.allowed_mentions;
    const parse = allowed?.parse ?? ['users', 'roles', 'everyone'];
    const userIds = new Set<string>();
    for (const m of message.content.matchAll(USER_MENTION)) {
      const id = m[1]!;
      if (parse.includes('users') || allowed?.users?.includes(id)) userIds.add(id);
    }
    if (referenced && (allowed?.replied_user ?? true)) userIds.add(referenced.author.id);
    message.mentions = [...userIds].flatMap((id) => {
      const u = this.users.get(id);
      return u ? [userPayload(u)] : [];
    });
    if (guild) {
      const roleIds = new Set<string>();
      for (const m of message.content.matchAll(ROLE_MENTION)) {
        const id = m[1]!;
        if (guild.roles.has(id) && (parse.includes('roles') || allowed?.roles?.includes(id))) roleIds.add(id);
      }
      message.mention_roles = [...roleIds];
      message.mention_everyone = parse.includes('everyone') && /@(everyone|here)/.test(message.content);
    }
  }

  /** MESSAGE_CREATE / MESSAGE_UPDATE data: the REST message plus guild_id, member and mention members. */
  private messageEvent(m: MessageState, guild: GuildState | undefined): Record<string, unknown> {
    const base = messagePayload(m, this.bot.id);
    if (!guild) return base;
    const member = m.webhook_id === undefined ? guild.members.get(m.author.id) : undefined;
    return {
      ...base,
      guild_id: guild.id,
      ...(member ? { member: memberPayload(member, false) } : {}),
      mentions: m.mentions.map((u) => {
        const mm = guild.members.get(u.id);
        return mm ? { ...u, member: memberPayload(mm, false) } : u;
      }),
    };
  }

  /** Edits a message's content, embeds, components, flags or attachments: MESSAGE_UPDATE. */
  editMessage(
    channelId: string,
    messageId: string,
    patch: Pick<
      MessageInput,
      'content' | 'embeds' | 'components' | 'attachments' | 'flags' | 'allowed_mentions'
    >,
    opts: { silent?: boolean } = {},
  ): MessageState {
    const { guild } = this.channel(channelId);
    const m = this.message(channelId, messageId);
    if (patch.content !== undefined) m.content = patch.content ?? '';
    if (patch.embeds !== undefined) m.embeds = patch.embeds ?? [];
    if (patch.components !== undefined) m.components = patch.components ?? [];
    if (patch.attachments !== undefined) m.attachments = patch.attachments ?? [];
    if (patch.flags !== undefined) m.flags = patch.flags;
    if (patch.content !== undefined) this.resolveMentions(m, patch, guild, undefined);
    m.edited_timestamp = iso(this.clock.now());
    if (!opts.silent) this.dispatch('MESSAGE_UPDATE', this.messageEvent(m, guild), guild?.id);
    return m;
  }

  /** MESSAGE_DELETE. */
  deleteMessage(channelId: string, messageId: string, opts: { silent?: boolean } = {}): void {
    const { guild } = this.channel(channelId);
    this.message(channelId, messageId);
    this.messages.get(channelId)?.delete(messageId);
    if (opts.silent) return;
    this.dispatch(
      'MESSAGE_DELETE',
      { id: messageId, channel_id: channelId, ...(guild ? { guild_id: guild.id } : {}) },
      guild?.id,
    );
  }

  /** MESSAGE_DELETE_BULK with the ids that existed. */
  bulkDeleteMessages(channelId: string, ids: string[]): string[] {
    const { guild } = this.channel(channelId);
    const store = this.messages.get(channelId);
    const deleted = ids.filter((id) => store?.delete(id) !== undefined);
    this.dispatch(
      'MESSAGE_DELETE_BULK',
      { ids: deleted, channel_id: channelId, ...(guild ? { guild_id: guild.id } : {}) },
      guild?.id,
    );
    return deleted;
  }

  /** TYPING_START (GUILD_MESSAGE_TYPING / DIRECT_MESSAGE_TYPING). */
  startTyping(channelId: string, userId: string): void {
    const { guild } = this.channel(channelId);
    const member = guild?.members.get(userId);
    this.dispatch(
      'TYPING_START',
      {
        channel_id: channelId,
        user_id: userId,
        timestamp: Math.floor(this.clock.now() / 1000),
        ...(guild ? { guild_id: guild.id } : {}),
        ...(member ? { member: memberPayload(member) } : {}),
      },
      guild?.id,
    );
  }

  /** Pins or unpins: CHANNEL_PINS_UPDATE (GUILDS / DIRECT_MESSAGES) with the newest pin's time. */
  setPinned(channelId: string, messageId: string, pinned: boolean): void {
    const { guild } = this.channel(channelId);
    const m = this.message(channelId, messageId);
    if (m.pinned === pinned) return;
    m.pinned = pinned;
    if (pinned) m.pinnedAt = iso(this.clock.now());
    else delete m.pinnedAt;
    const last = this.pinnedMessages(channelId)[0]?.pinnedAt ?? null;
    this.dispatch(
      'CHANNEL_PINS_UPDATE',
      { channel_id: channelId, last_pin_timestamp: last, ...(guild ? { guild_id: guild.id } : {}) },
      guild?.id,
    );
  }

  /** Pinned messages, most recently pinned first. */
  pinnedMessages(channelId: string): MessageState[] {
    return this.listMessages(channelId, { limit: Number.MAX_SAFE_INTEGER })
      .filter((m) => m.pinned)
      .sort((a, b) => (b.pinnedAt ?? '').localeCompare(a.pinnedAt ?? '') || compareSnowflakes(b.id, a.id));
  }

  // ---- reactions -----------------------------------------------------------------------------

  /** `name:id`, `a:name:id` or a unicode emoji, as the REST path carries it. */
  static parseEmoji(text: string): ReactionEmoji {
    const custom = /^(a:)?([^:]{1,32}):(\d{1,20})$/.exec(text);
    if (custom) return { id: custom[3]!, name: custom[2]!, ...(custom[1] ? { animated: true } : {}) };
    return { id: null, name: text };
  }

  private static emojiKey(e: ReactionEmoji): string {
    return e.id ?? e.name ?? '';
  }

  /** MESSAGE_REACTION_ADD; adding the same reaction twice changes nothing, as on Discord. */
  addReaction(channelId: string, messageId: string, userId: string, emoji: ReactionEmoji): void {
    const { guild } = this.channel(channelId);
    const m = this.message(channelId, messageId);
    const key = World.emojiKey(emoji);
    let r = m.reactions.get(key);
    if (!r) {
      if (m.reactions.size >= 20) throw new WorldError(WorldErrorCode.MAX_REACTIONS);
      r = { emoji, users: new Set() };
      m.reactions.set(key, r);
    }
    if (r.users.has(userId)) return;
    r.users.add(userId);
    const member = guild?.members.get(userId);
    this.dispatch(
      'MESSAGE_REACTION_ADD',
      {
        user_id: userId,
        channel_id: channelId,
        message_id: messageId,
        ...(guild ? { guild_id: guild.id } : {}),
        ...(member ? { member: memberPayload(member) } : {}),
        emoji: r.emoji,
        message_author_id: m.author.id,
        burst: false,
        burst_colors: [],
        type: 0,
      },
      guild?.id,
    );
  }

  /** MESSAGE_REACTION_REMOVE. */
  removeReaction(channelId: string, messageId: string, userId: string, emoji: ReactionEmoji): void {
    const { guild } = this.channel(channelId);
    const m = this.message(channelId, messageId);
    const key = World.emojiKey(emoji);
    const r = m.reactions.get(key);
    if (!r?.users.delete(userId)) return;
    if (r.users.size === 0) m.reactions.delete(key);
    this.dispatch(
      'MESSAGE_REACTION_REMOVE',
      {
        user_id: userId,
        channel_id: channelId,
        message_id: messageId,
        ...(guild ? { guild_id: guild.id } : {}),
        emoji: r.emoji,
        burst: false,
        type: 0,
      },
      guild?.id,
    );
  }

  /** MESSAGE_REACTION_REMOVE_EMOJI with an emoji, MESSAGE_REACTION_REMOVE_ALL without. */
  clearReactions(channelId: string, messageId: string, emoji?: ReactionEmoji): void {
    const { guild } = this.channel(channelId);
    const m = this.message(channelId, messageId);
    const where = { channel_id: channelId, message_id: messageId, ...(guild ? { guild_id: guild.id } : {}) };
    if (emoji === undefined) {
      m.reactions.clear();
      this.dispatch('MESSAGE_REACTION_REMOVE_ALL', where, guild?.id);
      return;
    }
    const r = m.reactions.get(World.emojiKey(emoji));
    if (!r) return;
    m.reactions.delete(World.emojiKey(emoji));
    this.dispatch('MESSAGE_REACTION_REMOVE_EMOJI', { ...where, emoji: r.emoji }, guild?.id);
  }

  reactionUsers(channelId: string, messageId: string, emoji: ReactionEmoji): WorldUser[] {
    const m = this.message(channelId, messageId);
    const r = m.reactions.get(World.emojiKey(emoji));
    if (!r) return [];
    return [...r.users].flatMap((id) => {
      const u = this.users.get(id);
      return u ? [u] : [];
    });
  }

  // ---- guild ---------------------------------------------------------------------------------

  updateGuild(guildId: string, patch: { name?: string }): GuildState {
    const g = this.guild(guildId);
    if (patch.name !== undefined) g.name = patch.name;
    this.dispatch('GUILD_UPDATE', { ...guildPayload(g), guild_id: guildId }, guildId);
    return g;
  }
}
