/**
 * Permission bits and how Discord computes a member's permissions in a channel (docs
 * topics/permissions "Bitwise Permission Flags" and "Permission Hierarchy": owner, then
 * @everyone | roles, ADMINISTRATOR, then overwrites for @everyone, roles, the member).
 */

export const Permission = {
  CREATE_INSTANT_INVITE: 1n << 0n,
  KICK_MEMBERS: 1n << 1n,
  BAN_MEMBERS: 1n << 2n,
  ADMINISTRATOR: 1n << 3n,
  MANAGE_CHANNELS: 1n << 4n,
  MANAGE_GUILD: 1n << 5n,
  ADD_REACTIONS: 1n << 6n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  MANAGE_MESSAGES: 1n << 13n,
  EMBED_LINKS: 1n << 14n,
  ATTACH_FILES: 1n << 15n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  CONNECT: 1n << 20n,
  SPEAK: 1n << 21n,
  MOVE_MEMBERS: 1n << 24n,
  CHANGE_NICKNAME: 1n << 26n,
  MANAGE_NICKNAMES: 1n << 27n,
  MANAGE_ROLES: 1n << 28n,
  USE_APPLICATION_COMMANDS: 1n << 31n,
  MODERATE_MEMBERS: 1n << 40n,
} as const;

export type PermissionName = keyof typeof Permission;

/** Every bit Discord defines up to 1<<50; what owners and administrators have. */
export const ALL_PERMISSIONS = (1n << 51n) - 1n;

/** Discord's default @everyone permissions for a new guild. */
export const DEFAULT_EVERYONE_PERMISSIONS = 2_248_473_465_835_073n;

/**
 * What the emulator's bot role grants by default: what a bot invited with moderation scopes
 * would hold, without ADMINISTRATOR so channel overwrites still apply to it.
 */
export const DEFAULT_BOT_PERMISSIONS =
  DEFAULT_EVERYONE_PERMISSIONS |
  Permission.KICK_MEMBERS |
  Permission.BAN_MEMBERS |
  Permission.MANAGE_CHANNELS |
  Permission.MANAGE_GUILD |
  Permission.MANAGE_MESSAGES |
  Permission.MANAGE_NICKNAMES |
  Permission.MANAGE_ROLES |
  Permission.MODERATE_MEMBERS |
  Permission.MOVE_MEMBERS;

export interface PermissionOverwrite {
  id: string;
  /** 0 = role, 1 = member. */
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface PermissionSubject {
  guildId: string;
  ownerId: string;
  userId: string;
  /** Role ids of the member, not including @everyone. */
  roleIds: readonly string[];
  rolePermissions(roleId: string): bigint | undefined;
}

export function basePermissions(s: PermissionSubject): bigint {
  if (s.userId === s.ownerId) return ALL_PERMISSIONS;
  let p = s.rolePermissions(s.guildId) ?? 0n;
  for (const id of s.roleIds) p |= s.rolePermissions(id) ?? 0n;
  return p & Permission.ADMINISTRATOR ? ALL_PERMISSIONS : p;
}

export function channelPermissions(s: PermissionSubject, overwrites: readonly PermissionOverwrite[]): bigint {
  let p = basePermissions(s);
  if (p === ALL_PERMISSIONS) return p;
  const everyone = overwrites.find((o) => o.type === 0 && o.id === s.guildId);
  if (everyone) p = (p & ~everyone.deny) | everyone.allow;
  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites) {
    if (o.type === 0 && s.roleIds.includes(o.id)) {
      allow |= o.allow;
      deny |= o.deny;
    }
  }
  p = (p & ~deny) | allow;
  const member = overwrites.find((o) => o.type === 1 && o.id === s.userId);
  if (member) p = (p & ~member.deny) | member.allow;
  return p;
}
