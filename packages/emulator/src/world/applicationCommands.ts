/**
 * The bot's application commands, global and per guild (docs interactions/application-commands
 * "Registering a Command", "Bulk Overwrite"). Creating a command whose name and type already
 * exist in the scope replaces it and keeps its id, as Discord does; a bulk overwrite keeps the
 * ids of commands it keeps by name and type. Discord announces none of this on the gateway.
 */
import type { World } from './world.js';
import { WorldError, WorldErrorCode } from './worldError.js';

export interface ApplicationCommand {
  id: string;
  application_id: string;
  version: string;
  default_member_permissions: string | null;
  type: number;
  name: string;
  name_localizations: Record<string, string> | null;
  description: string;
  description_localizations: Record<string, string> | null;
  options?: unknown[];
  guild_id?: string;
  dm_permission?: boolean;
  nsfw: boolean;
  contexts: number[] | null;
  integration_types: number[];
}

/** What a bot sends for one command; REST validates it first. */
export interface ApplicationCommandInput {
  name: string;
  type?: number;
  description?: string;
  options?: unknown[];
  default_member_permissions?: string | null;
  dm_permission?: boolean;
  nsfw?: boolean;
  contexts?: number[] | null;
  integration_types?: number[];
  name_localizations?: Record<string, string> | null;
  description_localizations?: Record<string, string> | null;
}

const GLOBAL = 'global';

/** One overwrite of who may use a command (docs "Application Command Permissions Structure"). */
export interface CommandPermission {
  /** A role, user or channel id (guild id = @everyone, guild id - 1 = all channels). */
  id: string;
  /** 1 role, 2 user, 3 channel. */
  type: 1 | 2 | 3;
  permission: boolean;
}

export interface GuildCommandPermissions {
  /** The command's id, or the application's id for the app-wide default. */
  id: string;
  application_id: string;
  guild_id: string;
  permissions: CommandPermission[];
}

export class ApplicationCommands {
  private readonly scopes = new Map<string, Map<string, ApplicationCommand>>();
  /** Per guild, by command id: set by a guild admin in the client, never by a bot token. */
  private readonly permissionSets = new Map<string, Map<string, GuildCommandPermissions>>();

  constructor(private readonly world: World) {}

  private scope(guildId: string | undefined): Map<string, ApplicationCommand> {
    if (guildId !== undefined) this.world.guild(guildId);
    const key = guildId ?? GLOBAL;
    let s = this.scopes.get(key);
    if (!s) {
      s = new Map();
      this.scopes.set(key, s);
    }
    return s;
  }

  list(guildId?: string): ApplicationCommand[] {
    return [...this.scope(guildId).values()];
  }

  get(id: string, guildId?: string): ApplicationCommand {
    const c = this.scope(guildId).get(id);
    if (!c) throw new WorldError(WorldErrorCode.UNKNOWN_APPLICATION_COMMAND);
    return c;
  }

  /** The command a user would pick by name in a guild: the guild's own first, then global. */
  find(name: string, guildId?: string, type = 1): ApplicationCommand | undefined {
    const match = (c: ApplicationCommand) => c.name === name && c.type === type;
    if (guildId !== undefined) {
      const own = this.list(guildId).find(match);
      if (own) return own;
    }
    return this.list().find(match);
  }

  private build(input: ApplicationCommandInput, guildId: string | undefined, id: string): ApplicationCommand {
    const type = input.type ?? 1;
    const command: ApplicationCommand = {
      id,
      application_id: this.world.application.id,
      version: this.world.ids.next(),
      default_member_permissions: input.default_member_permissions ?? null,
      type,
      name: input.name,
      name_localizations: input.name_localizations ?? null,
      description: type === 1 ? (input.description ?? '') : '',
      description_localizations: input.description_localizations ?? null,
      nsfw: input.nsfw ?? false,
      contexts: input.contexts ?? null,
      integration_types: input.integration_types ?? [0],
    };
    if (input.options !== undefined && input.options.length > 0) command.options = input.options;
    if (guildId !== undefined) command.guild_id = guildId;
    else command.dm_permission = input.dm_permission ?? true;
    return command;
  }

  /** Creates or (same name and type) replaces; `created` says which, for 201 vs 200. */
  create(
    input: ApplicationCommandInput,
    guildId?: string,
  ): { command: ApplicationCommand; created: boolean } {
    const scope = this.scope(guildId);
    const type = input.type ?? 1;
    const existing = [...scope.values()].find((c) => c.name === input.name && c.type === type);
    const command = this.build(input, guildId, existing?.id ?? this.world.ids.next());
    scope.set(command.id, command);
    return { command, created: existing === undefined };
  }

  overwrite(inputs: ApplicationCommandInput[], guildId?: string): ApplicationCommand[] {
    const scope = this.scope(guildId);
    const before = [...scope.values()];
    scope.clear();
    return inputs.map((input) => {
      const type = input.type ?? 1;
      const kept = before.find((c) => c.name === input.name && c.type === type);
      const command = this.build(input, guildId, kept?.id ?? this.world.ids.next());
      scope.set(command.id, command);
      return command;
    });
  }

  edit(id: string, patch: Partial<ApplicationCommandInput>, guildId?: string): ApplicationCommand {
    const current = this.get(id, guildId);
    const merged: ApplicationCommandInput = {
      name: patch.name ?? current.name,
      type: current.type,
      description: patch.description ?? current.description,
      default_member_permissions:
        patch.default_member_permissions !== undefined
          ? patch.default_member_permissions
          : current.default_member_permissions,
      nsfw: patch.nsfw ?? current.nsfw,
      contexts: patch.contexts !== undefined ? patch.contexts : current.contexts,
      integration_types: patch.integration_types ?? current.integration_types,
      name_localizations: patch.name_localizations ?? current.name_localizations,
      description_localizations: patch.description_localizations ?? current.description_localizations,
    };
    const options = patch.options ?? current.options;
    if (options !== undefined) merged.options = options;
    const command = this.build(merged, guildId, id);
    this.scope(guildId).set(id, command);
    return command;
  }

  delete(id: string, guildId?: string): void {
    this.get(id, guildId);
    this.scope(guildId).delete(id);
  }

  permissions(guildId: string): GuildCommandPermissions[] {
    this.world.guild(guildId);
    return [...(this.permissionSets.get(guildId)?.values() ?? [])];
  }

  /**
   * A guild admin changes who may use a command (what Discord's client does with a user's
   * token): APPLICATION_COMMAND_PERMISSIONS_UPDATE, which every session of the app receives.
   */
  setPermissions(
    guildId: string,
    commandId: string,
    permissions: CommandPermission[],
  ): GuildCommandPermissions {
    this.world.guild(guildId);
    if (commandId !== this.world.application.id) {
      const found = this.scope(guildId).get(commandId) ?? this.scope(undefined).get(commandId);
      if (!found) throw new WorldError(WorldErrorCode.UNKNOWN_APPLICATION_COMMAND);
    }
    const entry: GuildCommandPermissions = {
      id: commandId,
      application_id: this.world.application.id,
      guild_id: guildId,
      permissions: permissions.map((p) => ({ ...p })),
    };
    let sets = this.permissionSets.get(guildId);
    if (!sets) {
      sets = new Map();
      this.permissionSets.set(guildId, sets);
    }
    sets.set(commandId, entry);
    this.world.dispatch(
      'APPLICATION_COMMAND_PERMISSIONS_UPDATE',
      { ...entry, permissions: entry.permissions },
      guildId,
    );
    return entry;
  }
}
