/**
 * Answering interactions (docs interactions/receiving-and-responding): the callback, the original
 * response at `/webhooks/{application}/{token}/messages/@original`, and follow-ups. These routes
 * are called without the bot token, as Discord allows (the interaction token authorises them).
 */
import { messagePayload } from '../../world/payloads.js';
import { FormErrors } from '../restError.js';
import type { RouteDefinition } from '../router.js';
import { isObject, objectBody, validateCallbackData, validateMessage } from '../validation.js';
import { noContent, ok } from './respond.js';

const MESSAGE_CALLBACKS: ReadonlySet<number> = new Set([4, 7]);

export const interactionRoutes: RouteDefinition[] = [
  {
    method: 'POST',
    path: '/interactions/{interaction}/{token}/callback',
    auth: false,
    handler: ({ world, params, body, files, query }) => {
      const b = objectBody(body);
      const errors = new FormErrors();
      const type = b.type;
      if (typeof type !== 'number' || ![1, 4, 5, 6, 7, 8, 9, 10, 12].includes(type)) {
        errors.add(['type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}.');
      }
      const data = b.data === undefined || b.data === null ? {} : b.data;
      if (!isObject(data))
        errors.add(['data'], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
      errors.throwIfAny();
      let messageData: Record<string, unknown> = data as Record<string, unknown>;
      if (MESSAGE_CALLBACKS.has(type as number)) {
        const state = world.interactions.get(params.interaction!);
        messageData = {
          ...data,
          ...validateMessage(data as Record<string, unknown>, files, {
            prefix: ['data'],
            create: type === 4,
            channelId: state?.channelId ?? '0',
            mintId: () => world.ids.next(),
          }),
        };
      } else {
        validateCallbackData(type as number, data as Record<string, unknown>, errors);
        errors.throwIfAny();
      }
      const response = world.interactions.callback(params.interaction!, params.token!, {
        type: type as number,
        data: messageData,
      });
      if (query.get('with_response') !== 'true') return noContent();
      const state = world.interactions.get(params.interaction!)!;
      return ok({
        interaction: {
          id: state.id,
          type: state.type,
          activity_instance_id: null,
          response_message_id: state.originalMessageId ?? null,
          response_message_loading: type === 5,
          response_message_ephemeral: (((messageData.flags as number | undefined) ?? 0) & 64) !== 0,
        },
        resource: response.message !== undefined ? { type, message: response.message } : { type },
      });
    },
  },
  {
    method: 'POST',
    path: '/webhooks/{application}/{token}',
    auth: false,
    handler: ({ world, params, body, files, query }) => {
      const state = world.interactions.byWebhook(params.application!, params.token!);
      const input = validateMessage(objectBody(body), files, {
        create: true,
        channelId: state.channelId,
        mintId: () => world.ids.next(),
      });
      const message = world.interactions.followup(params.application!, params.token!, input);
      return query.get('wait') === 'true' ? ok(messagePayload(message, world.bot.id)) : noContent();
    },
  },
  {
    method: 'GET',
    path: '/webhooks/{application}/{token}/messages/{message}',
    auth: false,
    handler: ({ world, params }) =>
      ok(
        messagePayload(
          world.interactions.getMessage(params.application!, params.token!, params.message!),
          world.bot.id,
        ),
      ),
  },
  {
    method: 'PATCH',
    path: '/webhooks/{application}/{token}/messages/{message}',
    auth: false,
    handler: ({ world, params, body, files }) => {
      const state = world.interactions.byWebhook(params.application!, params.token!);
      const input = validateMessage(objectBody(body), files, {
        create: false,
        channelId: state.channelId,
        mintId: () => world.ids.next(),
      });
      const m = world.interactions.editMessage(params.application!, params.token!, params.message!, input);
      return ok(messagePayload(m, world.bot.id));
    },
  },
  {
    method: 'DELETE',
    path: '/webhooks/{application}/{token}/messages/{message}',
    auth: false,
    handler: ({ world, params }) => {
      world.interactions.deleteMessage(params.application!, params.token!, params.message!);
      return noContent();
    },
  },
];
