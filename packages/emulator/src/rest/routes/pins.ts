/**
 * Pins (docs resources/message "Get Channel Pins", "Pin Message", "Unpin Message"), and the
 * deprecated `/channels/{c}/pins` routes discord.js 14 still calls from `fetchPinned()`.
 * Pinning needs MANAGE_MESSAGES and dispatches CHANNEL_PINS_UPDATE.
 */
import { messagePayload } from '../../world/payloads.js';
import { Permission } from '../../world/permissions.js';
import { WorldError, WorldErrorCode } from '../../world/worldError.js';
import { FormErrors } from '../restError.js';
import type { RouteDefinition, RouteRequest } from '../router.js';
import { noContent, ok } from './respond.js';

function pin(pinned: boolean) {
  return ({ world, params, actorId }: RouteRequest) => {
    world.requirePermission(params.channel!, actorId, Permission.MANAGE_MESSAGES);
    const m = world.message(params.channel!, params.message!);
    if (m.flags & (1 << 6)) throw new WorldError(WorldErrorCode.UNKNOWN_MESSAGE);
    world.setPinned(params.channel!, m.id, pinned);
    return noContent();
  };
}

export const pinRoutes: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/channels/{channel}/messages/pins',
    handler: ({ world, params, query, actorId }) => {
      world.requirePermission(params.channel!, actorId, Permission.READ_MESSAGE_HISTORY);
      const errors = new FormErrors();
      const raw = query.get('limit');
      const limit = raw === null ? 50 : Number(raw);
      if (!Number.isInteger(limit) || limit < 1 || limit > 50) {
        errors.add(['limit'], 'NUMBER_TYPE_MAX', 'int value should be between 1 and 50.');
      }
      const before = query.get('before');
      const beforeMs = before === null ? Number.POSITIVE_INFINITY : Date.parse(before);
      if (Number.isNaN(beforeMs)) errors.add(['before'], 'DATE_TYPE_PARSE', 'Could not parse date.');
      errors.throwIfAny();
      const pins = world
        .pinnedMessages(params.channel!)
        .filter((m) => Date.parse(m.pinnedAt ?? '') < beforeMs);
      return ok({
        items: pins
          .slice(0, limit)
          .map((m) => ({ pinned_at: m.pinnedAt, message: messagePayload(m, actorId) })),
        has_more: pins.length > limit,
      });
    },
  },
  { method: 'PUT', path: '/channels/{channel}/messages/pins/{message}', handler: pin(true) },
  { method: 'DELETE', path: '/channels/{channel}/messages/pins/{message}', handler: pin(false) },
  {
    method: 'GET',
    path: '/channels/{channel}/pins',
    handler: ({ world, params, actorId }) => {
      world.requirePermission(params.channel!, actorId, Permission.READ_MESSAGE_HISTORY);
      return ok(world.pinnedMessages(params.channel!).map((m) => messagePayload(m, actorId)));
    },
  },
  { method: 'PUT', path: '/channels/{channel}/pins/{message}', handler: pin(true) },
  { method: 'DELETE', path: '/channels/{channel}/pins/{message}', handler: pin(false) },
];
