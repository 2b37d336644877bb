/**
 * What a bot calls before and while it logs in (docs topics/gateway "Get Gateway", "Get Gateway
 * Bot"; resources/user "Get Current User", "Modify Current User"; resources/application "Get
 * Current Application"). /gateway is the one route that needs no token.
 */
import { userPayload } from '../../world/payloads.js';
import type { World } from '../../world/world.js';
import type { RouteDefinition } from '../router.js';
import { objectBody } from '../validation.js';
import { FormErrors } from '../restError.js';
import { ok } from './respond.js';

export interface GatewayInfo {
  gatewayUrl(): string;
  shards: number;
  maxConcurrency: number;
  sessionStartLimit(): { total: number; remaining: number; reset_after: number };
}

function currentUser(world: World) {
  return { ...userPayload(world.bot), verified: true, mfa_enabled: false, flags: 0, email: null };
}

function application(world: World) {
  return {
    id: world.application.id,
    name: world.application.name,
    icon: null,
    description: '',
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    flags: 0,
    owner: userPayload(world.bot),
    team: null,
    bot: userPayload(world.bot),
  };
}

export function gatewayRoutes(info: GatewayInfo): RouteDefinition[] {
  return [
    { method: 'GET', path: '/gateway', auth: false, handler: () => ok({ url: info.gatewayUrl() }) },
    {
      method: 'GET',
      path: '/gateway/bot',
      handler: () =>
        ok({
          url: info.gatewayUrl(),
          shards: info.shards,
          session_start_limit: { ...info.sessionStartLimit(), max_concurrency: info.maxConcurrency },
        }),
    },
    { method: 'GET', path: '/users/@me', handler: ({ world }) => ok(currentUser(world)) },
    {
      method: 'PATCH',
      path: '/users/@me',
      handler: ({ world, body }) => {
        const b = objectBody(body);
        if (b.username !== undefined) {
          const errors = new FormErrors();
          if (typeof b.username !== 'string' || b.username.length < 2 || b.username.length > 32) {
            errors.add(['username'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 2 and 32 in length.');
          }
          errors.throwIfAny();
          world.bot.username = b.username as string;
        }
        const user = currentUser(world);
        world.dispatch('USER_UPDATE', user);
        return ok(user);
      },
    },
    { method: 'GET', path: '/applications/@me', handler: ({ world }) => ok(application(world)) },
    { method: 'GET', path: '/oauth2/applications/@me', handler: ({ world }) => ok(application(world)) },
  ];
}
