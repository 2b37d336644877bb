/** Users (docs resources/user "Get User", "Get Current User Guilds"). */
import { userPayload } from '../../world/payloads.js';
import type { RouteDefinition } from '../router.js';
import { ok } from './respond.js';

export const userRoutes: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/users/{user}',
    handler: ({ world, params }) => ok(userPayload(world.user(params.user!))),
  },
  {
    method: 'GET',
    path: '/users/@me/guilds',
    handler: ({ world, actorId }) =>
      ok(
        [...world.guilds.values()]
          .filter((g) => g.members.has(actorId))
          .map((g) => ({
            id: g.id,
            name: g.name,
            icon: null,
            banner: null,
            owner: g.ownerId === actorId,
            permissions: world.permissions(g.id, actorId).toString(),
            features: [],
          })),
      ),
  },
];
