/**
 * A cache built only from what the gateway dispatches: guilds, channels, roles, members, voice
 * states and the bot's own user. What is kept, and how many members per guild, is configurable;
 * members are bounded by default because a large guild can hold millions of them.
 *
 * Eviction is least-recently-seen: an update or a read through `member()` refreshes an entry, and
 * the bot's own member is never evicted (voice and permission checks need it).
 */
import type {
  APIChannel,
  APIGuildMember,
  APIRole,
  APIUser,
  GatewayGuildCreateDispatchData,
  GatewayVoiceState,
} from 'discord-api-types/v10';

export interface CacheOptions {
  /** Keep guilds (default true). Everything else hangs off guilds. */
  readonly guilds?: boolean;
  readonly channels?: boolean;
  readonly roles?: boolean;
  /** `false` keeps none; a number keeps at most that many per guild (default 1000). */
  readonly members?: boolean | number;
  readonly voiceStates?: boolean;
}

/** A guild as cached: the guild fields without the arrays that the other maps hold. */
export type CachedGuild = Omit<
  GatewayGuildCreateDispatchData,
  'channels' | 'threads' | 'members' | 'voice_states' | 'presences' | 'roles' | 'stage_instances'
>;

export type CachedVoiceState = GatewayVoiceState & { guild_id: string };

const DEFAULT_MEMBER_LIMIT = 1000;

interface GuildEntry {
  guild: CachedGuild;
  channels: Set<string>;
  roles: Map<string, APIRole>;
  members: Map<string, APIGuildMember>;
  voiceStates: Map<string, CachedVoiceState>;
}

export class Cache {
  /** The bot's own user, from READY (and USER_UPDATE). */
  user: APIUser | undefined;
  readonly #guilds = new Map<string, GuildEntry>();
  readonly #channels = new Map<string, APIChannel>();
  readonly #keep: Required<Omit<CacheOptions, 'members'>> & { members: number };

  constructor(options: CacheOptions = {}) {
    const members =
      options.members === false
        ? 0
        : options.members === true || options.members === undefined
          ? DEFAULT_MEMBER_LIMIT
          : options.members;
    if (!Number.isInteger(members) || members < 0)
      throw new RangeError('cache.members must be a boolean or a whole number >= 0');
    this.#keep = {
      guilds: options.guilds ?? true,
      channels: options.channels ?? true,
      roles: options.roles ?? true,
      voiceStates: options.voiceStates ?? true,
      members,
    };
  }

  guild(id: string): CachedGuild | undefined {
    return this.#guilds.get(id)?.guild;
  }

  guilds(): IterableIterator<CachedGuild> {
    return (function* (m) {
      for (const e of m.values()) yield e.guild;
    })(this.#guilds);
  }

  get guildCount(): number {
    return this.#guilds.size;
  }

  channel(id: string): APIChannel | undefined {
    return this.#channels.get(id);
  }

  channelsOf(guildId: string): APIChannel[] {
    const e = this.#guilds.get(guildId);
    return e ? [...e.channels].flatMap((id) => this.#channels.get(id) ?? []) : [];
  }

  role(guildId: string, roleId: string): APIRole | undefined {
    return this.#guilds.get(guildId)?.roles.get(roleId);
  }

  rolesOf(guildId: string): APIRole[] {
    return [...(this.#guilds.get(guildId)?.roles.values() ?? [])];
  }

  member(guildId: string, userId: string): APIGuildMember | undefined {
    const members = this.#guilds.get(guildId)?.members;
    const m = members?.get(userId);
    if (m && members) {
      members.delete(userId);
      members.set(userId, m);
    }
    return m;
  }

  memberCount(guildId: string): number {
    return this.#guilds.get(guildId)?.members.size ?? 0;
  }

  voiceState(guildId: string, userId: string): CachedVoiceState | undefined {
    return this.#guilds.get(guildId)?.voiceStates.get(userId);
  }

  /** The users in a voice channel, from the cached voice states. */
  voiceChannelMembers(guildId: string, channelId: string): string[] {
    const out: string[] = [];
    for (const vs of this.#guilds.get(guildId)?.voiceStates.values() ?? []) {
      if (vs.channel_id === channelId) out.push(vs.user_id);
    }
    return out;
  }

  /** Feeds one dispatch into the cache. Unknown events and malformed payloads are ignored. */
  apply(t: string, d: unknown): void {
    if (typeof d !== 'object' || d === null) return;
    const p = d as Record<string, unknown>;
    switch (t) {
      case 'READY':
        this.user = p.user as APIUser;
        return;
      case 'USER_UPDATE':
        if (this.user && p.id === this.user.id) this.user = p as unknown as APIUser;
        return;
      case 'GUILD_CREATE':
      case 'GUILD_UPDATE':
        this.#guildUpsert(p as unknown as GatewayGuildCreateDispatchData, t === 'GUILD_CREATE');
        return;
      case 'GUILD_DELETE':
        this.#guildDelete(String(p.id), p.unavailable === true);
        return;
      case 'CHANNEL_CREATE':
      case 'CHANNEL_UPDATE':
        this.#channelUpsert(p as unknown as APIChannel, p.guild_id as string | undefined);
        return;
      case 'CHANNEL_DELETE': {
        this.#channels.delete(String(p.id));
        this.#guilds.get(String(p.guild_id))?.channels.delete(String(p.id));
        return;
      }
      case 'GUILD_ROLE_CREATE':
      case 'GUILD_ROLE_UPDATE': {
        if (!this.#keep.roles) return;
        const role = p.role as APIRole | undefined;
        if (role) this.#guilds.get(String(p.guild_id))?.roles.set(role.id, role);
        return;
      }
      case 'GUILD_ROLE_DELETE':
        this.#guilds.get(String(p.guild_id))?.roles.delete(String(p.role_id));
        return;
      case 'GUILD_MEMBER_ADD':
      case 'GUILD_MEMBER_UPDATE':
        this.#memberUpsert(String(p.guild_id), p as unknown as APIGuildMember);
        return;
      case 'GUILD_MEMBER_REMOVE': {
        const user = p.user as APIUser | undefined;
        if (user) this.#guilds.get(String(p.guild_id))?.members.delete(user.id);
        return;
      }
      case 'GUILD_MEMBERS_CHUNK':
        for (const m of (p.members as APIGuildMember[] | undefined) ?? [])
          this.#memberUpsert(String(p.guild_id), m);
        return;
      case 'VOICE_STATE_UPDATE':
        this.#voiceStateUpsert(p as unknown as CachedVoiceState);
        return;
      default:
        return;
    }
  }

  clear(): void {
    this.#guilds.clear();
    this.#channels.clear();
    this.user = undefined;
  }

  #guildUpsert(g: GatewayGuildCreateDispatchData, full: boolean): void {
    if (!this.#keep.guilds || typeof g.id !== 'string') return;
    const { channels, threads, members, voice_states, presences, roles, stage_instances, ...guild } = g;
    let entry = this.#guilds.get(g.id);
    if (!entry) {
      entry = { guild, channels: new Set(), roles: new Map(), members: new Map(), voiceStates: new Map() };
      this.#guilds.set(g.id, entry);
    } else {
      entry.guild = { ...entry.guild, ...guild };
    }
    if (this.#keep.roles && Array.isArray(roles)) {
      entry.roles.clear();
      for (const r of roles) entry.roles.set(r.id, r);
    }
    if (!full) return;
    for (const c of Array.isArray(channels) ? channels : []) this.#channelUpsert(c as APIChannel, g.id);
    for (const m of Array.isArray(members) ? members : []) this.#memberUpsert(g.id, m);
    for (const vs of Array.isArray(voice_states) ? voice_states : [])
      this.#voiceStateUpsert({ ...vs, guild_id: g.id } as CachedVoiceState);
  }

  #guildDelete(id: string, unavailable: boolean): void {
    const e = this.#guilds.get(id);
    if (!e) return;
    if (unavailable) {
      // An outage, not a removal: keep what we know, mark it unavailable.
      e.guild = { ...e.guild, unavailable: true };
      return;
    }
    for (const c of e.channels) this.#channels.delete(c);
    this.#guilds.delete(id);
  }

  #channelUpsert(c: APIChannel, guildId: string | undefined): void {
    if (!this.#keep.channels || typeof c?.id !== 'string') return;
    const gid = guildId ?? (c as { guild_id?: string }).guild_id;
    const stored = gid ? ({ ...c, guild_id: gid } as APIChannel) : c;
    this.#channels.set(c.id, stored);
    if (gid) this.#guilds.get(gid)?.channels.add(c.id);
  }

  #memberUpsert(guildId: string, m: APIGuildMember): void {
    const limit = this.#keep.members;
    const entry = this.#guilds.get(guildId);
    const userId = m?.user?.id;
    if (!entry || limit === 0 || typeof userId !== 'string') return;
    const members = entry.members;
    const previous = members.get(userId);
    members.delete(userId);
    members.set(userId, previous ? { ...previous, ...m } : m);
    if (members.size <= limit) return;
    const self = this.user?.id;
    for (const id of members.keys()) {
      if (id === self) continue;
      members.delete(id);
      break;
    }
  }

  #voiceStateUpsert(vs: CachedVoiceState): void {
    if (!this.#keep.voiceStates || typeof vs.guild_id !== 'string' || typeof vs.user_id !== 'string') return;
    const entry = this.#guilds.get(vs.guild_id);
    if (!entry) return;
    if (vs.channel_id === null) entry.voiceStates.delete(vs.user_id);
    else entry.voiceStates.set(vs.user_id, vs);
    if (vs.member) this.#memberUpsert(vs.guild_id, vs.member);
  }
}
