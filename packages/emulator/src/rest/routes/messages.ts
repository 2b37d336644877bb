/**
 * Messages and reactions (docs resources/message): list with before/after/around/limit, get,
 * create, edit, delete, bulk delete; reactions add/remove/list/clear. Permission checks are the
 * ones a bot meets: SEND_MESSAGES to post, MANAGE_MESSAGES to delete others' messages, bulk
 * delete or remove others' reactions, READ_MESSAGE_HISTORY to read back.
 */
import { messagePayload, userPayload } from '../../world/payloads.js';
import { Permission } from '../../world/permissions.js';
import { isSnowflake, snowflakeTime } from '../../world/snowflake.js';
import { World } from '../../world/world.js';
import { WorldError, WorldErrorCode } from '../../world/worldError.js';
import { FormErrors } from '../restError.js';
import type { RouteDefinition, RouteRequest } from '../router.js';
import { objectBody, validateMessage } from '../validation.js';
import { noContent, ok } from './respond.js';

const FOURTEEN_DAYS_MS = 14 * 24 * 3600 * 1000;
const EPHEMERAL = 1 << 6;
/** Channel types that hold messages: text, DM, voice and stage chat, announcement, threads. */
const MESSAGE_CHANNEL_TYPES: ReadonlySet<number> = new Set([0, 1, 2, 3, 5, 10, 11, 12, 13]);

function limitParam(query: URLSearchParams, errors: FormErrors, max: number, dflt: number): number {
  const raw = query.get('limit');
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    errors.add(['limit'], 'NUMBER_TYPE_MAX', `int value should be between 1 and ${max}.`);
    return dflt;
  }
  return n;
}

function idParam(query: URLSearchParams, name: string, errors: FormErrors): string | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  if (!isSnowflake(v)) {
    errors.add([name], 'NUMBER_TYPE_COERCE', `Value "${String(v).slice(0, 64)}" is not snowflake.`);
    return undefined;
  }
  return v;
}

function emojiOf(text: string) {
  if (text.length === 0 || text.length > 100) throw new WorldError(WorldErrorCode.UNKNOWN_EMOJI);
  return World.parseEmoji(text);
}

/** A message of the channel's history; ephemeral answers are reachable only through their webhook. */
function visibleMessage(world: World, channelId: string, messageId: string) {
  const m = world.message(channelId, messageId);
  if (m.flags & EPHEMERAL) throw new WorldError(WorldErrorCode.UNKNOWN_MESSAGE);
  return m;
}

/** A reaction route's `{user}` may be `@me`. */
function reactor(req: RouteRequest): string {
  return req.params.user === '@me' || req.params.user === undefined ? req.actorId : req.params.user;
}

export const messageRoutes: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/channels/{channel}/messages',
    handler: ({ world, params, query, actorId }) => {
      const channelId = params.channel!;
      world.requirePermission(channelId, actorId);
      const errors = new FormErrors();
      const limit = limitParam(query, errors, 100, 50);
      const before = idParam(query, 'before', errors);
      const after = idParam(query, 'after', errors);
      const around = idParam(query, 'around', errors);
      errors.throwIfAny();
      // Without READ_MESSAGE_HISTORY Discord answers an empty list, not an error.
      const { guild } = world.channel(channelId);
      if (guild && !(world.permissions(guild.id, actorId, channelId) & Permission.READ_MESSAGE_HISTORY))
        return ok([]);
      const page = { limit, ...(around ? { around } : after ? { after } : before ? { before } : {}) };
      return ok(world.listMessages(channelId, page).map((m) => messagePayload(m, actorId)));
    },
  },
  {
    method: 'GET',
    path: '/channels/{channel}/messages/{message}',
    handler: ({ world, params, actorId }) => {
      world.requirePermission(params.channel!, actorId, Permission.READ_MESSAGE_HISTORY);
      return ok(messagePayload(visibleMessage(world, params.channel!, params.message!), actorId));
    },
  },
  {
    method: 'POST',
    path: '/channels/{channel}/messages',
    handler: ({ world, params, actorId, body, files }) => {
      const channelId = params.channel!;
      world.requirePermission(channelId, actorId, Permission.SEND_MESSAGES);
      if (!MESSAGE_CHANNEL_TYPES.has(world.channel(channelId).channel.type)) {
        throw new WorldError(WorldErrorCode.NON_TEXT_CHANNEL);
      }
      const input = validateMessage(objectBody(body), files, {
        create: true,
        channelId,
        mintId: () => world.ids.next(),
      });
      if (input.message_reference)
        world.requirePermission(channelId, actorId, Permission.READ_MESSAGE_HISTORY);
      return ok(messagePayload(world.postMessage(channelId, actorId, input), actorId));
    },
  },
  {
    method: 'PATCH',
    path: '/channels/{channel}/messages/{message}',
    handler: ({ world, params, actorId, body, files }) => {
      const channelId = params.channel!;
      world.requirePermission(channelId, actorId);
      const m = visibleMessage(world, channelId, params.message!);
      if (m.author.id !== actorId) throw new WorldError(WorldErrorCode.CANNOT_EDIT_OTHERS_MESSAGE);
      const input = validateMessage(objectBody(body), files, {
        create: false,
        channelId,
        mintId: () => world.ids.next(),
      });
      return ok(messagePayload(world.editMessage(channelId, m.id, input), actorId));
    },
  },
  {
    method: 'DELETE',
    path: '/channels/{channel}/messages/{message}',
    handler: ({ world, params, actorId }) => {
      const channelId = params.channel!;
      world.requirePermission(channelId, actorId);
      const m = visibleMessage(world, channelId, params.message!);
      if (m.author.id !== actorId) world.requirePermission(channelId, actorId, Permission.MANAGE_MESSAGES);
      world.deleteMessage(channelId, m.id);
      return noContent();
    },
  },
  {
    method: 'POST',
    path: '/channels/{channel}/messages/bulk-delete',
    handler: ({ world, params, actorId, body }) => {
      const channelId = params.channel!;
      world.requirePermission(channelId, actorId, Permission.MANAGE_MESSAGES);
      const b = objectBody(body);
      const errors = new FormErrors();
      if (!Array.isArray(b.messages)) {
        errors.add(['messages'], 'BASE_TYPE_REQUIRED', 'This field is required');
        errors.throwIfAny();
      }
      const ids = b.messages as unknown[];
      ids.forEach((id, i) => {
        if (!isSnowflake(id))
          errors.add(
            ['messages', i],
            'NUMBER_TYPE_COERCE',
            `Value "${String(id).slice(0, 64)}" is not snowflake.`,
          );
      });
      errors.throwIfAny();
      if (ids.length < 2 || ids.length > 100) throw new WorldError(WorldErrorCode.BULK_DELETE_COUNT);
      const oldest = world.clock.now() - FOURTEEN_DAYS_MS;
      if ((ids as string[]).some((id) => snowflakeTime(id) < oldest)) {
        throw new WorldError(WorldErrorCode.BULK_DELETE_TOO_OLD);
      }
      world.bulkDeleteMessages(channelId, [...new Set(ids as string[])]);
      return noContent();
    },
  },
  {
    method: 'PUT',
    path: '/channels/{channel}/messages/{message}/reactions/{emoji}/@me',
    handler: (req) => {
      const { world, params, actorId } = req;
      world.requirePermission(params.channel!, actorId, Permission.READ_MESSAGE_HISTORY);
      const emoji = emojiOf(params.emoji!);
      const m = visibleMessage(world, params.channel!, params.message!);
      const key = emoji.id ?? emoji.name ?? '';
      if (!m.reactions.has(key)) world.requirePermission(params.channel!, actorId, Permission.ADD_REACTIONS);
      world.addReaction(params.channel!, m.id, actorId, emoji);
      return noContent();
    },
  },
  ...(['@me', '{user}'] as const).map(
    (who): RouteDefinition => ({
      method: 'DELETE',
      path: `/channels/{channel}/messages/{message}/reactions/{emoji}/${who}`,
      handler: (req) => {
        const { world, params, actorId } = req;
        const userId = reactor(req);
        world.requirePermission(params.channel!, actorId);
        if (userId !== actorId) world.requirePermission(params.channel!, actorId, Permission.MANAGE_MESSAGES);
        world.removeReaction(params.channel!, params.message!, userId, emojiOf(params.emoji!));
        return noContent();
      },
    }),
  ),
  {
    method: 'GET',
    path: '/channels/{channel}/messages/{message}/reactions/{emoji}',
    handler: ({ world, params, actorId, query }) => {
      world.requirePermission(params.channel!, actorId, Permission.READ_MESSAGE_HISTORY);
      const errors = new FormErrors();
      const limit = limitParam(query, errors, 100, 25);
      const after = idParam(query, 'after', errors);
      errors.throwIfAny();
      const users = world
        .reactionUsers(params.channel!, params.message!, emojiOf(params.emoji!))
        .filter((u) => after === undefined || BigInt(u.id) > BigInt(after))
        .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
        .slice(0, limit);
      return ok(users.map(userPayload));
    },
  },
  {
    method: 'DELETE',
    path: '/channels/{channel}/messages/{message}/reactions/{emoji}',
    handler: ({ world, params, actorId }) => {
      world.requirePermission(params.channel!, actorId, Permission.MANAGE_MESSAGES);
      world.clearReactions(params.channel!, params.message!, emojiOf(params.emoji!));
      return noContent();
    },
  },
  {
    method: 'DELETE',
    path: '/channels/{channel}/messages/{message}/reactions',
    handler: ({ world, params, actorId }) => {
      world.requirePermission(params.channel!, actorId, Permission.MANAGE_MESSAGES);
      world.clearReactions(params.channel!, params.message!);
      return noContent();
    },
  },
];
