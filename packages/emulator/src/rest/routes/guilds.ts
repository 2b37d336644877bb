/**
 * Guilds, channels of a guild, roles, members and bans (docs resources/guild). Member changes
 * dispatch GUILD_MEMBER_UPDATE; bans GUILD_BAN_ADD and GUILD_MEMBER_REMOVE. A bot needs
 * MANAGE_NICKNAMES, MANAGE_ROLES, MODERATE_MEMBERS, KICK_MEMBERS or BAN_MEMBERS as Discord asks.
 */
import {
  channelPayload,
  guildPayload,
  memberPayload,
  rolePayload,
  userPayload,
} from '../../world/payloads.js';
import { Permission } from '../../world/permissions.js';
import { compareSnowflakes, isSnowflake } from '../../world/snowflake.js';
import type { MemberState } from '../../world/world.js';
import { WorldError, WorldErrorCode } from '../../world/worldError.js';
import { FormErrors } from '../restError.js';
import type { RouteDefinition } from '../router.js';
import { maxLength, objectBody, snowflakeField } from '../validation.js';
import { created, noContent, ok } from './respond.js';

function limit(query: URLSearchParams, errors: FormErrors, max: number, dflt: number): number {
  const raw = query.get('limit');
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    errors.add(['limit'], 'NUMBER_TYPE_MAX', `int value should be between 1 and ${max}.`);
    return dflt;
  }
  return n;
}

function permissionBits(v: unknown, errors: FormErrors, path: string[]): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  errors.add(path, 'NUMBER_TYPE_COERCE', `Value "${String(v).slice(0, 32)}" is not int.`);
  return undefined;
}

const byUserId = (a: MemberState, b: MemberState) => compareSnowflakes(a.user.id, b.user.id);

export const guildRoutes: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/guilds/{guild}',
    handler: ({ world, params, query, actorId }) => {
      const g = world.guild(params.guild!);
      if (!g.members.has(actorId)) throw new WorldError(WorldErrorCode.MISSING_ACCESS);
      const counts =
        query.get('with_counts') === 'true'
          ? { approximate_member_count: g.members.size, approximate_presence_count: g.members.size }
          : {};
      return ok({ ...guildPayload(g), ...counts });
    },
  },
  {
    method: 'PATCH',
    path: '/guilds/{guild}',
    handler: ({ world, params, actorId, body }) => {
      world.requireGuildPermission(params.guild!, actorId, Permission.MANAGE_GUILD);
      const b = objectBody(body);
      const errors = new FormErrors();
      if (b.name !== undefined && (typeof b.name !== 'string' || b.name.length < 2 || b.name.length > 100)) {
        errors.add(['name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 2 and 100 in length.');
      }
      errors.throwIfAny();
      return ok(
        guildPayload(world.updateGuild(params.guild!, typeof b.name === 'string' ? { name: b.name } : {})),
      );
    },
  },
  {
    method: 'GET',
    path: '/guilds/{guild}/channels',
    handler: ({ world, params }) => ok([...world.guild(params.guild!).channels.values()].map(channelPayload)),
  },
  {
    method: 'POST',
    path: '/guilds/{guild}/channels',
    handler: ({ world, params, actorId, body }) => {
      world.requireGuildPermission(params.guild!, actorId, Permission.MANAGE_CHANNELS);
      const b = objectBody(body);
      const errors = new FormErrors();
      if (typeof b.name !== 'string' || b.name.length < 1 || b.name.length > 100) {
        errors.add(['name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
      }
      if (b.type !== undefined && ![0, 2, 4, 5, 13, 15, 16].includes(b.type as number)) {
        errors.add(['type'], 'BASE_TYPE_CHOICES', 'Value must be one of {0, 2, 4, 5, 13, 15, 16}.');
      }
      maxLength(errors, ['topic'], b.topic, 1024);
      snowflakeField(errors, ['parent_id'], b.parent_id);
      errors.throwIfAny();
      const channel = world.createChannel(params.guild!, {
        name: b.name as string,
        ...(typeof b.type === 'number' ? { type: b.type } : {}),
        ...(typeof b.parent_id === 'string' ? { parent_id: b.parent_id } : {}),
        ...(typeof b.topic === 'string' ? { topic: b.topic } : {}),
      });
      return created(channelPayload(channel));
    },
  },
  {
    method: 'GET',
    path: '/guilds/{guild}/roles',
    handler: ({ world, params }) => ok([...world.guild(params.guild!).roles.values()].map(rolePayload)),
  },
  {
    method: 'GET',
    path: '/guilds/{guild}/roles/{role}',
    handler: ({ world, params }) => {
      const role = world.guild(params.guild!).roles.get(params.role!);
      if (!role) throw new WorldError(WorldErrorCode.UNKNOWN_ROLE);
      return ok(rolePayload(role));
    },
  },
  {
    method: 'POST',
    path: '/guilds/{guild}/roles',
    handler: ({ world, params, actorId, body }) => {
      world.requireGuildPermission(params.guild!, actorId, Permission.MANAGE_ROLES);
      const b = objectBody(body);
      const errors = new FormErrors();
      maxLength(errors, ['name'], b.name, 100);
      const permissions = permissionBits(b.permissions, errors, ['permissions']);
      errors.throwIfAny();
      const role = world.createRole(params.guild!, {
        ...(typeof b.name === 'string' ? { name: b.name } : {}),
        ...(permissions !== undefined ? { permissions } : {}),
        ...(typeof b.color === 'number' ? { color: b.color } : {}),
        ...(typeof b.hoist === 'boolean' ? { hoist: b.hoist } : {}),
        ...(typeof b.mentionable === 'boolean' ? { mentionable: b.mentionable } : {}),
      });
      return ok(rolePayload(role));
    },
  },
  {
    method: 'PATCH',
    path: '/guilds/{guild}/roles/{role}',
    handler: ({ world, params, actorId, body }) => {
      world.requireGuildPermission(params.guild!, actorId, Permission.MANAGE_ROLES);
      world.requireAbove(params.guild!, actorId, { roleIds: [params.role!] });
      const b = objectBody(body);
      const errors = new FormErrors();
      maxLength(errors, ['name'], b.name, 100);
      const permissions = permissionBits(b.permissions, errors, ['permissions']);
      errors.throwIfAny();
      const role = world.updateRole(params.guild!, params.role!, {
        ...(typeof b.name === 'string' ? { name: b.name } : {}),
        ...(permissions !== undefined ? { permissions } : {}),
        ...(typeof b.color === 'number' ? { color: b.color } : {}),
        ...(typeof b.hoist === 'boolean' ? { hoist: b.hoist } : {}),
        ...(typeof b.mentionable === 'boolean' ? { mentionable: b.mentionable } : {}),
      });
      return ok(rolePayload(role));
    },
  },
  {
    method: 'DELETE',
    path: '/guilds/{guild}/roles/{role}',
    handler: ({ world, params, actorId }) => {
      world.requireGuildPermission(params.guild!, actorId, Permission.MANAGE_ROLES);
      world.requireAbove(params.guild!, actorId, { roleIds: [params.role!] });
      world.deleteRole(params.guild!, params.role!);
      return noContent();
    },
  },
  {
    method: 'GET',
    path: '/guilds/{guild}/members',
    handler: ({ world, params, query }) => {
      const errors = new FormErrors();
      const n = limit(query, errors, 1000, 1);
      const after = query.get('after') ?? '0';
      if (!isSnowflake(after))
        errors.add(
          ['after'],
          'NUMBER_TYPE_COERCE',
          `Value "${String(after).slice(0, 64)}" is not snowflake.`,
        );
      errors.throwIfAny();
      const members = [...world.guild(params.guild!).members.values()]
        .filter((m) => compareSnowflakes(m.user.id, after) > 0)
        .sort(byUserId)
        .slice(0, n);
      return ok(members.map((m) => memberPayload(m)));
    },
  },
  {
    method: 'GET',
    path: '/guilds/{guild}/members/search',
    handler: ({ world, params, query }) => {
      const errors = new FormErrors();
      const q = query.get('query');
      if (q === null) errors.add(['query'], 'BASE_TYPE_REQUIRED', 'This field is required');
      const n = limit(query, errors, 1000, 1);
      errors.throwIfAny();
      const needle = (q ?? '').toLowerCase();
      const members = [...world.guild(params.guild!).members.values()]
        .filter(
          (m) =>
            m.user.username.toLowerCase().startsWith(needle) ||
            (m.nick ?? '').toLowerCase().startsWith(needle) ||
            (m.user.global_name ?? '').toLowerCase().startsWith(needle),
        )
        .sort(byUserId)
        .slice(0, n);
      return ok(members.map((m) => memberPayload(m)));
    },
  },
  {
    method: 'GET',
    path: '/guilds/{guild}/members/{user}',
    handler: ({ world, params }) => ok(memberPayload(world.member(params.guild!, params.user!))),
  },
  ...(['{user}', '@me'] as const).map(
    (who): RouteDefinition => ({
      method: 'PATCH',
      path: `/guilds/{guild}/members/${who}`,
      handler: ({ world, params, actorId, body }) => {
        const guildId = params.guild!;
        const userId = who === '@me' || params.user === '@me' ? actorId : params.user!;
        const b = objectBody(body);
        const errors = new FormErrors();
        maxLength(errors, ['nick'], b.nick, 32);
        if (b.roles !== undefined && b.roles !== null) {
          if (!Array.isArray(b.roles)) errors.add(['roles'], 'BASE_TYPE_LIST', 'Must be a list.');
          else
            b.roles.forEach((r, i) => {
              snowflakeField(errors, ['roles', i], r);
            });
        }
        if (b.communication_disabled_until !== undefined && b.communication_disabled_until !== null) {
          const t = Date.parse(String(b.communication_disabled_until));
          if (Number.isNaN(t)) {
            errors.add(['communication_disabled_until'], 'DATE_TYPE_PARSE', 'Could not parse date.');
          } else if (t > world.clock.now() + 28 * 24 * 3600 * 1000) {
            errors.add(
              ['communication_disabled_until'],
              'BASE_TYPE_BAD_TIME',
              'Timeout can be at most 28 days.',
            );
          }
        }
        snowflakeField(errors, ['channel_id'], b.channel_id);
        errors.throwIfAny();
        const current = world.member(guildId, userId);
        if (b.nick !== undefined || b.roles !== undefined || b.communication_disabled_until !== undefined) {
          world.requireAbove(guildId, actorId, { userId });
        }
        if (Array.isArray(b.roles)) {
          const next = new Set(b.roles as string[]);
          const changed = [
            ...(b.roles as string[]).filter((r) => !current.roles.includes(r)),
            ...current.roles.filter((r) => !next.has(r)),
          ];
          world.requireAbove(guildId, actorId, { roleIds: changed });
        }
        if (b.nick !== undefined) {
          world.requireGuildPermission(
            guildId,
            actorId,
            userId === actorId ? Permission.CHANGE_NICKNAME : Permission.MANAGE_NICKNAMES,
          );
        }
        if (b.roles !== undefined) world.requireGuildPermission(guildId, actorId, Permission.MANAGE_ROLES);
        if (b.communication_disabled_until !== undefined)
          world.requireGuildPermission(guildId, actorId, Permission.MODERATE_MEMBERS);
        if (b.channel_id !== undefined)
          world.requireGuildPermission(guildId, actorId, Permission.MOVE_MEMBERS);
        if (typeof b.channel_id === 'string' || b.channel_id === null) {
          const vs = world.guild(guildId).voiceStates.get(userId);
          if (!vs) {
            throw new WorldError(WorldErrorCode.INVALID_FORM_BODY, undefined, {
              channel_id: {
                _errors: [
                  { code: 'TARGET_USER_NOT_CONNECTED', message: 'Target user is not connected to voice.' },
                ],
              },
            });
          }
          world.setVoiceState(
            guildId,
            userId,
            b.channel_id === null
              ? null
              : {
                  channelId: b.channel_id,
                  sessionId: vs.sessionId,
                  selfMute: vs.selfMute,
                  selfDeaf: vs.selfDeaf,
                },
          );
        }
        const patch: Parameters<typeof world.updateMember>[2] = {};
        if (typeof b.nick === 'string' || b.nick === null) patch.nick = b.nick === '' ? null : b.nick;
        if (Array.isArray(b.roles)) patch.roles = b.roles as string[];
        if (typeof b.communication_disabled_until === 'string' || b.communication_disabled_until === null) {
          patch.communication_disabled_until =
            b.communication_disabled_until === null
              ? null
              : new Date(Date.parse(b.communication_disabled_until)).toISOString();
        }
        if (typeof b.mute === 'boolean') patch.mute = b.mute;
        if (typeof b.deaf === 'boolean') patch.deaf = b.deaf;
        return ok(memberPayload(world.updateMember(guildId, userId, patch)));
      },
    }),
  ),
  {
    method: 'DELETE',
    path: '/guilds/{guild}/members/{user}',
    handler: ({ world, params, actorId }) => {
      world.requireGuildPermission(params.guild!, actorId, Permission.KICK_MEMBERS);
      world.member(params.guild!, params.user!);
      world.requireAbove(params.guild!, actorId, { userId: params.user! });
      world.removeMember(params.guild!, params.user!);
      return noContent();
    },
  },
  ...(['PUT', 'DELETE'] as const).map(
    (method): RouteDefinition => ({
      method,
      path: '/guilds/{guild}/members/{user}/roles/{role}',
      handler: ({ world, params, actorId }) => {
        world.requireGuildPermission(params.guild!, actorId, Permission.MANAGE_ROLES);
        const member = world.member(params.guild!, params.user!);
        if (!world.guild(params.guild!).roles.has(params.role!))
          throw new WorldError(WorldErrorCode.UNKNOWN_ROLE);
        world.requireAbove(params.guild!, actorId, { roleIds: [params.role!] });
        const roles =
          method === 'PUT' ? [...member.roles, params.role!] : member.roles.filter((r) => r !== params.role);
        world.updateMember(params.guild!, params.user!, { roles });
        return noContent();
      },
    }),
  ),
  {
    method: 'GET',
    path: '/guilds/{guild}/bans',
    handler: ({ world, params, actorId }) => {
      world.requireGuildPermission(params.guild!, actorId, Permission.BAN_MEMBERS);
      return ok(
        [...world.guild(params.guild!).bans.values()].map((b) => ({
          user: userPayload(b.user),
          reason: b.reason,
        })),
      );
    },
  },
  {
    method: 'GET',
    path: '/guilds/{guild}/bans/{user}',
    handler: ({ world, params, actorId }) => {
      world.requireGuildPermission(params.guild!, actorId, Permission.BAN_MEMBERS);
      const ban = world.guild(params.guild!).bans.get(params.user!);
      if (!ban) throw new WorldError(WorldErrorCode.UNKNOWN_BAN);
      return ok({ user: userPayload(ban.user), reason: ban.reason });
    },
  },
  {
    method: 'PUT',
    path: '/guilds/{guild}/bans/{user}',
    handler: ({ world, params, actorId, body, reason }) => {
      world.requireGuildPermission(params.guild!, actorId, Permission.BAN_MEMBERS);
      const b = objectBody(body);
      const errors = new FormErrors();
      const seconds = b.delete_message_seconds;
      if (
        seconds !== undefined &&
        !(Number.isInteger(seconds) && (seconds as number) >= 0 && (seconds as number) <= 604800)
      ) {
        errors.add(
          ['delete_message_seconds'],
          'NUMBER_TYPE_MAX',
          'int value should be less than or equal to 604800.',
        );
      }
      errors.throwIfAny();
      world.user(params.user!);
      // A member (the owner included) must rank below the bot; a non-member can always be banned.
      if (world.guild(params.guild!).members.has(params.user!)) {
        world.requireAbove(params.guild!, actorId, { userId: params.user! });
      }
      world.ban(params.guild!, params.user!, reason ?? null);
      return noContent();
    },
  },
  {
    method: 'DELETE',
    path: '/guilds/{guild}/bans/{user}',
    handler: ({ world, params, actorId }) => {
      world.requireGuildPermission(params.guild!, actorId, Permission.BAN_MEMBERS);
      world.unban(params.guild!, params.user!);
      return noContent();
    },
  },
];
