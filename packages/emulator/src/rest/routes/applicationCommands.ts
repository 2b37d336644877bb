/**
 * Application commands, global and per guild (docs interactions/application-commands): list,
 * create (201 when new, 200 when it replaced a command of that name), bulk overwrite, get,
 * edit, delete. Only the bot's own application id is known; another id is 10002-like 403.
 */
import type { World } from '../../world/world.js';
import { WorldError, WorldErrorCode } from '../../world/worldError.js';
import { FormErrors } from '../restError.js';
import type { RouteDefinition, RouteRequest } from '../router.js';
import { validateCommand, validateCommandList } from '../validation.js';
import { created, noContent, ok } from './respond.js';

function ownApplication(world: World, params: Record<string, string>): void {
  if (params.application !== world.application.id) throw new WorldError(WorldErrorCode.MISSING_ACCESS);
}

function scoped(
  path: string,
  guild: boolean,
  build: (guildId: string | undefined) => RouteDefinition['handler'],
) {
  return (method: string): RouteDefinition => ({
    method,
    path: guild ? `/applications/{application}/guilds/{guild}${path}` : `/applications/{application}${path}`,
    handler: (req: RouteRequest) => {
      ownApplication(req.world, req.params);
      return build(guild ? req.params.guild : undefined)(req);
    },
  });
}

function routesFor(guild: boolean): RouteDefinition[] {
  return [
    scoped(
      '/commands',
      guild,
      (g) =>
        ({ world }) =>
          ok(world.commands.list(g)),
    )('GET'),
    scoped('/commands', guild, (g) => ({ world, body }) => {
      const errors = new FormErrors();
      const input = validateCommand(body, errors);
      errors.throwIfAny();
      const { command, created: isNew } = world.commands.create(input!, g);
      return isNew ? created(command) : ok(command);
    })('POST'),
    scoped(
      '/commands',
      guild,
      (g) =>
        ({ world, body }) =>
          ok(world.commands.overwrite(validateCommandList(body), g)),
    )('PUT'),
    scoped(
      '/commands/{command}',
      guild,
      (g) =>
        ({ world, params }) =>
          ok(world.commands.get(params.command!, g)),
    )('GET'),
    scoped('/commands/{command}', guild, (g) => ({ world, params, body }) => {
      const errors = new FormErrors();
      const current = world.commands.get(params.command!, g);
      const input = validateCommand({ type: current.type, ...(body as object) }, errors, [], true);
      errors.throwIfAny();
      const { name: _n, ...rest } = input!;
      const patch = (body as Record<string, unknown>)?.name !== undefined ? input! : rest;
      return ok(world.commands.edit(params.command!, patch, g));
    })('PATCH'),
    scoped('/commands/{command}', guild, (g) => ({ world, params }) => {
      world.commands.delete(params.command!, g);
      return noContent();
    })('DELETE'),
  ];
}

/** Command permissions are read by bots and written only with a user's Bearer token. */
const permissionRoutes: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/applications/{application}/guilds/{guild}/commands/permissions',
    handler: ({ world, params }) => {
      ownApplication(world, params);
      return ok(world.commands.permissions(params.guild!));
    },
  },
  {
    method: 'GET',
    path: '/applications/{application}/guilds/{guild}/commands/{command}/permissions',
    handler: ({ world, params }) => {
      ownApplication(world, params);
      const found = world.commands.permissions(params.guild!).find((p) => p.id === params.command);
      if (!found) throw new WorldError(WorldErrorCode.UNKNOWN_APPLICATION_COMMAND_PERMISSIONS);
      return ok(found);
    },
  },
  {
    method: 'PUT',
    path: '/applications/{application}/guilds/{guild}/commands/{command}/permissions',
    handler: () => {
      throw new WorldError(WorldErrorCode.BOTS_CANNOT_USE_ENDPOINT);
    },
  },
];

export const applicationCommandRoutes: RouteDefinition[] = [
  ...routesFor(false),
  ...routesFor(true),
  ...permissionRoutes,
];
