/**
 * Channels (docs resources/channel): get, modify, delete, permission overwrites, typing, and the
 * DM channel a bot opens with `user.createDM()`. Changes are dispatched as CHANNEL_UPDATE etc.
 */
import { channelPayload } from '../../world/payloads.js';
import { Permission, type PermissionOverwrite } from '../../world/permissions.js';
import type { ChannelState } from '../../world/world.js';
import { FormErrors } from '../restError.js';
import type { RouteDefinition } from '../router.js';
import { maxLength, objectBody, snowflakeField } from '../validation.js';
import { noContent, ok } from './respond.js';

function bits(v: unknown): bigint | undefined {
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  return undefined;
}

export const channelRoutes: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/channels/{channel}',
    handler: ({ world, params, actorId }) => {
      const { channel } = world.channel(params.channel!);
      world.requirePermission(channel.id, actorId);
      return ok(channelPayload(channel));
    },
  },
  {
    method: 'PATCH',
    path: '/channels/{channel}',
    handler: ({ world, params, actorId, body, sublimit }) => {
      const { channel } = world.channel(params.channel!);
      world.requirePermission(channel.id, actorId, Permission.MANAGE_CHANNELS);
      const b = objectBody(body);
      const errors = new FormErrors();
      if (b.name !== undefined) {
        if (typeof b.name !== 'string' || b.name.length < 1 || b.name.length > 100) {
          errors.add(['name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
        }
      }
      maxLength(errors, ['topic'], b.topic, 1024);
      snowflakeField(errors, ['parent_id'], b.parent_id);
      if (
        b.rate_limit_per_user !== undefined &&
        !(
          Number.isInteger(b.rate_limit_per_user) &&
          (b.rate_limit_per_user as number) >= 0 &&
          (b.rate_limit_per_user as number) <= 21600
        )
      ) {
        errors.add(
          ['rate_limit_per_user'],
          'NUMBER_TYPE_MAX',
          'int value should be less than or equal to 21600.',
        );
      }
      errors.throwIfAny();
      // Renames and topic changes: 2 per 10 minutes per channel, hidden from the bucket headers.
      if (b.name !== undefined || b.topic !== undefined) sublimit(`channel-rename:${channel.id}`, 2, 600_000);
      const patch: Parameters<typeof world.updateChannel>[1] = {};
      if (typeof b.name === 'string') patch.name = b.name;
      if (typeof b.topic === 'string' || b.topic === null) patch.topic = b.topic;
      if (typeof b.nsfw === 'boolean') patch.nsfw = b.nsfw;
      if (typeof b.position === 'number') patch.position = b.position;
      if (typeof b.rate_limit_per_user === 'number') patch.rate_limit_per_user = b.rate_limit_per_user;
      if (typeof b.parent_id === 'string' || b.parent_id === null) patch.parent_id = b.parent_id;
      if (typeof b.bitrate === 'number') patch.bitrate = b.bitrate;
      if (typeof b.user_limit === 'number') patch.user_limit = b.user_limit;
      return ok(channelPayload(world.updateChannel(channel.id, patch)));
    },
  },
  {
    method: 'DELETE',
    path: '/channels/{channel}',
    handler: ({ world, params, actorId }) => {
      world.requirePermission(params.channel!, actorId, Permission.MANAGE_CHANNELS);
      return ok(channelPayload(world.deleteChannel(params.channel!)));
    },
  },
  {
    method: 'PUT',
    path: '/channels/{channel}/permissions/{overwrite}',
    handler: ({ world, params, actorId, body }) => {
      const { channel } = world.channel(params.channel!);
      world.requirePermission(channel.id, actorId, Permission.MANAGE_ROLES);
      const b = objectBody(body);
      const errors = new FormErrors();
      if (b.type !== 0 && b.type !== 1)
        errors.add(['type'], 'BASE_TYPE_CHOICES', 'Value must be one of {0, 1}.');
      errors.throwIfAny();
      const c = channel as ChannelState;
      const overwrite: PermissionOverwrite = {
        id: params.overwrite!,
        type: b.type as 0 | 1,
        allow: bits(b.allow) ?? 0n,
        deny: bits(b.deny) ?? 0n,
      };
      const rest = c.permission_overwrites.filter((o) => o.id !== overwrite.id);
      world.updateChannel(channel.id, { permission_overwrites: [...rest, overwrite] });
      return noContent();
    },
  },
  {
    method: 'DELETE',
    path: '/channels/{channel}/permissions/{overwrite}',
    handler: ({ world, params, actorId }) => {
      const { channel } = world.channel(params.channel!);
      world.requirePermission(channel.id, actorId, Permission.MANAGE_ROLES);
      const c = channel as ChannelState;
      world.updateChannel(channel.id, {
        permission_overwrites: c.permission_overwrites.filter((o) => o.id !== params.overwrite),
      });
      return noContent();
    },
  },
  {
    method: 'POST',
    path: '/channels/{channel}/typing',
    handler: ({ world, params, actorId }) => {
      world.requirePermission(params.channel!, actorId, Permission.SEND_MESSAGES);
      world.startTyping(params.channel!, actorId);
      return noContent();
    },
  },
  {
    method: 'POST',
    path: '/users/@me/channels',
    handler: ({ world, body }) => {
      const b = objectBody(body);
      const errors = new FormErrors();
      if (b.recipient_id === undefined)
        errors.add(['recipient_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
      snowflakeField(errors, ['recipient_id'], b.recipient_id);
      errors.throwIfAny();
      return ok(channelPayload(world.dmChannel(String(b.recipient_id))));
    },
  },
];
