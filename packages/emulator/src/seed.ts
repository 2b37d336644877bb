/**
 * The emulator's world: the bot user, its application, users, guilds with channels, members and
 * voice states. A seed is plain JSON (the CLI's --seed file) so people can write one by hand;
 * `normalizeSeed` validates it with typed errors and fills in what Discord would.
 */
import { SeedError } from './errors.js';

export interface SeedUser {
  id: string;
  username: string;
  globalName?: string | null;
  bot?: boolean;
}

/** Channel types by Discord's numbers (docs resources/channel "Channel Types"), or a name. */
export type SeedChannelType = number | 'text' | 'voice' | 'category' | 'announcement' | 'stage' | 'forum';

export interface SeedChannel {
  id: string;
  name: string;
  type?: SeedChannelType;
  parentId?: string | null;
  position?: number;
  /**
   * Voice channels only: end-to-end encryption of calls here. 'required' is the voice server's
   * default (as on Discord); 'optional' lets clients without DAVE in (the call downgrades); 'off'.
   */
  e2ee?: 'required' | 'optional' | 'off';
}

export interface SeedMember {
  userId: string;
  nick?: string | null;
  roles?: string[];
}

export interface SeedVoiceState {
  userId: string;
  channelId: string;
  selfMute?: boolean;
  selfDeaf?: boolean;
}

export interface SeedGuild {
  id: string;
  name: string;
  ownerId?: string;
  channels?: SeedChannel[];
  /** Members by user id or with details; the bot is always a member. */
  members?: Array<string | SeedMember>;
  voiceStates?: SeedVoiceState[];
}

export interface EmulatorSeed {
  bot?: { id?: string; username?: string };
  application?: { id?: string; name?: string };
  users?: SeedUser[];
  guilds?: SeedGuild[];
}

export interface WorldUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: '0';
  avatar: null;
  bot?: true;
}

export interface WorldChannel {
  id: string;
  name: string;
  type: number;
  parent_id: string | null;
  position: number;
}

export interface WorldMember {
  user: WorldUser;
  nick: string | null;
  roles: string[];
  joined_at: string;
}

export interface WorldVoiceState {
  guildId: string;
  channelId: string;
  userId: string;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
}

export interface WorldGuild {
  id: string;
  name: string;
  ownerId: string;
  channels: Map<string, WorldChannel>;
  members: Map<string, WorldMember>;
  /** Keyed by user id: a user is in at most one voice channel per guild. */
  voiceStates: Map<string, WorldVoiceState>;
  /** Seeded E2EE settings of voice channels, by channel id (kept out of the channel payloads). */
  voiceE2EE: Map<string, 'required' | 'optional' | 'off'>;
}

export interface World {
  bot: WorldUser;
  application: { id: string; name: string };
  users: Map<string, WorldUser>;
  guilds: Map<string, WorldGuild>;
}

const CHANNEL_TYPES: Readonly<Record<string, number>> = {
  text: 0,
  voice: 2,
  category: 4,
  announcement: 5,
  stage: 13,
  forum: 15,
};

/** Voice-capable channel types: GUILD_VOICE (2) and GUILD_STAGE_VOICE (13). */
export const VOICE_CHANNEL_TYPES: ReadonlySet<number> = new Set([2, 13]);

const SNOWFLAKE = /^[0-9]{1,20}$/;
const JOINED_AT = '2026-01-01T00:00:00.000Z';

/** A small world that discord.js and our own clients can log into: one guild, text + voice. */
export const defaultSeed: EmulatorSeed = {
  bot: { id: '1300000000000000001', username: 'cordwire-bot' },
  application: { id: '1300000000000000001', name: 'cordwire-bot' },
  users: [
    { id: '1300000000000000010', username: 'alice' },
    { id: '1300000000000000011', username: 'bob' },
  ],
  guilds: [
    {
      id: '1300000000000000100',
      name: 'cordwire test guild',
      ownerId: '1300000000000000010',
      channels: [
        { id: '1300000000000000101', name: 'general', type: 'text' },
        { id: '1300000000000000102', name: 'voice', type: 'voice' },
      ],
      members: ['1300000000000000010', '1300000000000000011'],
      voiceStates: [{ userId: '1300000000000000010', channelId: '1300000000000000102' }],
    },
  ],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function snowflake(v: unknown, path: string): string {
  if (typeof v !== 'string' || !SNOWFLAKE.test(v)) throw new SeedError(path, 'expected a snowflake string');
  return v;
}

function name(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 100) {
    throw new SeedError(path, 'expected a string of 1-100 characters');
  }
  return v;
}

function list(v: unknown, path: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new SeedError(path, 'expected an array');
  return v;
}

function makeUser(id: string, username: string, globalName: string | null, bot: boolean): WorldUser {
  const user: WorldUser = { id, username, global_name: globalName, discriminator: '0', avatar: null };
  if (bot) user.bot = true;
  return user;
}

/** Validates a seed (typically parsed JSON) and builds the mutable world the emulator serves. */
export function normalizeSeed(input: unknown): World {
  if (!isObject(input)) throw new SeedError('$', 'expected an object');
  const seed = input as Record<string, unknown>;

  const botIn = seed.bot === undefined ? {} : seed.bot;
  if (!isObject(botIn)) throw new SeedError('bot', 'expected an object');
  const botId = botIn.id === undefined ? defaultSeed.bot!.id! : snowflake(botIn.id, 'bot.id');
  const botName =
    botIn.username === undefined ? defaultSeed.bot!.username! : name(botIn.username, 'bot.username');
  const bot = makeUser(botId, botName, null, true);

  const appIn = seed.application === undefined ? {} : seed.application;
  if (!isObject(appIn)) throw new SeedError('application', 'expected an object');
  const application = {
    id: appIn.id === undefined ? botId : snowflake(appIn.id, 'application.id'),
    name: appIn.name === undefined ? botName : name(appIn.name, 'application.name'),
  };

  const users = new Map<string, WorldUser>([[bot.id, bot]]);
  list(seed.users, 'users').forEach((u, i) => {
    const path = `users[${i}]`;
    if (!isObject(u)) throw new SeedError(path, 'expected an object');
    const id = snowflake(u.id, `${path}.id`);
    if (users.has(id)) throw new SeedError(`${path}.id`, `duplicate user id ${id}`);
    const globalName = u.globalName === undefined || u.globalName === null ? null : name(u.globalName, path);
    users.set(id, makeUser(id, name(u.username, `${path}.username`), globalName, u.bot === true));
  });

  const guilds = new Map<string, WorldGuild>();
  list(seed.guilds, 'guilds').forEach((g, gi) => {
    const path = `guilds[${gi}]`;
    if (!isObject(g)) throw new SeedError(path, 'expected an object');
    const id = snowflake(g.id, `${path}.id`);
    if (guilds.has(id)) throw new SeedError(`${path}.id`, `duplicate guild id ${id}`);

    const channels = new Map<string, WorldChannel>();
    const voiceE2EE = new Map<string, 'required' | 'optional' | 'off'>();
    list(g.channels, `${path}.channels`).forEach((c, ci) => {
      const cpath = `${path}.channels[${ci}]`;
      if (!isObject(c)) throw new SeedError(cpath, 'expected an object');
      const cid = snowflake(c.id, `${cpath}.id`);
      if (channels.has(cid)) throw new SeedError(`${cpath}.id`, `duplicate channel id ${cid}`);
      let type = 0;
      if (typeof c.type === 'number' && Number.isInteger(c.type) && c.type >= 0) type = c.type;
      else if (typeof c.type === 'string' && c.type in CHANNEL_TYPES) type = CHANNEL_TYPES[c.type]!;
      else if (c.type !== undefined) throw new SeedError(`${cpath}.type`, 'unknown channel type');
      const parent = c.parentId === undefined || c.parentId === null ? null : snowflake(c.parentId, cpath);
      const position = typeof c.position === 'number' ? c.position : ci;
      channels.set(cid, { id: cid, name: name(c.name, `${cpath}.name`), type, parent_id: parent, position });
      if (c.e2ee !== undefined) {
        if (c.e2ee !== 'required' && c.e2ee !== 'optional' && c.e2ee !== 'off')
          throw new SeedError(`${cpath}.e2ee`, "expected 'required', 'optional' or 'off'");
        if (!VOICE_CHANNEL_TYPES.has(type))
          throw new SeedError(`${cpath}.e2ee`, 'only voice channels have E2EE');
        voiceE2EE.set(cid, c.e2ee);
      }
    });

    const members = new Map<string, WorldMember>();
    const addMember = (userId: string, nick: string | null, roles: string[], mpath: string): void => {
      const user = users.get(userId);
      if (!user) throw new SeedError(mpath, `unknown user ${userId} (list it under users)`);
      members.set(userId, { user, nick, roles, joined_at: JOINED_AT });
    };
    addMember(bot.id, null, [], `${path}.members`);
    list(g.members, `${path}.members`).forEach((m, mi) => {
      const mpath = `${path}.members[${mi}]`;
      if (typeof m === 'string') {
        addMember(snowflake(m, mpath), null, [], mpath);
        return;
      }
      if (!isObject(m)) throw new SeedError(mpath, 'expected a user id or an object');
      const roles = list(m.roles, `${mpath}.roles`).map((r, ri) => snowflake(r, `${mpath}.roles[${ri}]`));
      const nick = typeof m.nick === 'string' ? m.nick : null;
      addMember(snowflake(m.userId, `${mpath}.userId`), nick, roles, mpath);
    });

    const ownerId = g.ownerId === undefined ? bot.id : snowflake(g.ownerId, `${path}.ownerId`);
    if (!members.has(ownerId)) throw new SeedError(`${path}.ownerId`, 'the owner must be a member');

    const voiceStates = new Map<string, WorldVoiceState>();
    list(g.voiceStates, `${path}.voiceStates`).forEach((v, vi) => {
      const vpath = `${path}.voiceStates[${vi}]`;
      if (!isObject(v)) throw new SeedError(vpath, 'expected an object');
      const userId = snowflake(v.userId, `${vpath}.userId`);
      const channelId = snowflake(v.channelId, `${vpath}.channelId`);
      if (!members.has(userId)) throw new SeedError(vpath, `user ${userId} is not a member`);
      const channel = channels.get(channelId);
      if (!channel || !VOICE_CHANNEL_TYPES.has(channel.type)) {
        throw new SeedError(vpath, `channel ${channelId} is not a voice channel of this guild`);
      }
      voiceStates.set(userId, {
        guildId: id,
        channelId,
        userId,
        // Seeded users are not gateway clients; give each a stable fake voice session id.
        sessionId: `seed${userId}`,
        selfMute: v.selfMute === true,
        selfDeaf: v.selfDeaf === true,
      });
    });

    guilds.set(id, {
      id,
      name: name(g.name, `${path}.name`),
      ownerId,
      channels,
      members,
      voiceStates,
      voiceE2EE,
    });
  });

  return { bot, application, users, guilds };
}
