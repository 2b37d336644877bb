/**
 * Application commands: definitions with typed options, the JSON Discord takes for them, and the
 * comparison that lets registration skip the PUT when nothing changed (a bot that restarts often
 * should not rewrite its commands each time).
 */
import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord-api-types/v10';
import type {
  APIApplicationCommand,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import { BotError } from './errors.js';
import type { AutocompleteInteraction, CommandInteraction } from './interaction.js';

export type OptionTypeName =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'user'
  | 'channel'
  | 'role'
  | 'mentionable'
  | 'attachment';

const OPTION_TYPES: Readonly<Record<OptionTypeName, ApplicationCommandOptionType>> = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  number: ApplicationCommandOptionType.Number,
  boolean: ApplicationCommandOptionType.Boolean,
  user: ApplicationCommandOptionType.User,
  channel: ApplicationCommandOptionType.Channel,
  role: ApplicationCommandOptionType.Role,
  mentionable: ApplicationCommandOptionType.Mentionable,
  attachment: ApplicationCommandOptionType.Attachment,
};

export interface OptionDefinition {
  readonly name: string;
  readonly description: string;
  readonly type: OptionTypeName;
  readonly required?: boolean;
  readonly choices?: readonly { readonly name: string; readonly value: string | number }[];
  readonly autocomplete?: boolean;
  readonly minValue?: number;
  readonly maxValue?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
}

/** The value an option of a type arrives as: ids (snowflake strings) for users, channels, roles. */
export type OptionValue<T extends OptionTypeName> = T extends 'string'
  ? string
  : T extends 'integer' | 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : string;

export type OptionValues<O extends readonly OptionDefinition[]> = {
  [K in O[number] as K['name']]: K['required'] extends true
    ? OptionValue<K['type']>
    : OptionValue<K['type']> | undefined;
};

export interface CommandDefinition<O extends readonly OptionDefinition[] = readonly OptionDefinition[]> {
  readonly name: string;
  readonly description: string;
  readonly options?: O;
  /** Permission bits a member needs to see the command (as a decimal string or bigint). */
  readonly defaultMemberPermissions?: string | bigint | null;
  readonly nsfw?: boolean;
  /** Called for each use of the command; a throw or rejection becomes the client's `error` event. */
  readonly run: (interaction: CommandInteraction<OptionValues<O>>) => unknown;
  readonly autocomplete?: (interaction: AutocompleteInteraction) => unknown;
}

/** Identity at run time; it exists so TypeScript infers option names and types from `options`. */
export function defineCommand<const O extends readonly OptionDefinition[]>(
  definition: CommandDefinition<O>,
): CommandDefinition<O> {
  return definition;
}

const NAME = /^[-_\p{L}\p{N}]{1,32}$/u;

/** The body Discord takes for a chat-input command; validates what Discord would refuse. */
export function commandJSON(def: CommandDefinition): RESTPostAPIChatInputApplicationCommandsJSONBody {
  if (!NAME.test(def.name) || def.name !== def.name.toLowerCase())
    throw new BotError(
      'INVALID_COMMAND',
      `command name "${def.name}" must be 1-32 lowercase letters, digits, - or _`,
    );
  if (def.description.length < 1 || def.description.length > 100)
    throw new BotError('INVALID_COMMAND', `command "${def.name}": description must be 1-100 characters`);
  const options = def.options ?? [];
  if (options.length > 25) throw new BotError('INVALID_COMMAND', `command "${def.name}": at most 25 options`);
  let seenOptional = false;
  const seen = new Set<string>();
  for (const o of options) {
    if (!NAME.test(o.name))
      throw new BotError('INVALID_COMMAND', `command "${def.name}": bad option name "${o.name}"`);
    if (seen.has(o.name))
      throw new BotError('INVALID_COMMAND', `command "${def.name}": option "${o.name}" twice`);
    seen.add(o.name);
    // Discord: "Required options must be listed before optional options".
    if (o.required && seenOptional)
      throw new BotError(
        'INVALID_COMMAND',
        `command "${def.name}": required option "${o.name}" after an optional one`,
      );
    if (!o.required) seenOptional = true;
  }
  const body: RESTPostAPIChatInputApplicationCommandsJSONBody = {
    type: ApplicationCommandType.ChatInput,
    name: def.name,
    description: def.description,
    options: options.map((o) => {
      const opt: Record<string, unknown> = {
        type: OPTION_TYPES[o.type],
        name: o.name,
        description: o.description,
      };
      if (o.required) opt.required = true;
      if (o.choices) opt.choices = o.choices.map((c) => ({ name: c.name, value: c.value }));
      if (o.autocomplete) opt.autocomplete = true;
      if (o.minValue !== undefined) opt.min_value = o.minValue;
      if (o.maxValue !== undefined) opt.max_value = o.maxValue;
      if (o.minLength !== undefined) opt.min_length = o.minLength;
      if (o.maxLength !== undefined) opt.max_length = o.maxLength;
      return opt as never;
    }),
  };
  if (def.defaultMemberPermissions !== undefined)
    body.default_member_permissions =
      def.defaultMemberPermissions === null ? null : String(def.defaultMemberPermissions);
  if (def.nsfw) body.nsfw = true;
  return body;
}

/** The fields we send, with Discord's defaults filled in, so a stored command compares equal. */
function comparable(
  c: Partial<APIApplicationCommand> | RESTPostAPIChatInputApplicationCommandsJSONBody,
): string {
  const options = ((c.options ?? []) as unknown as Record<string, unknown>[]).map((o) => ({
    type: o.type,
    name: o.name,
    description: o.description,
    required: o.required === true,
    choices:
      (o.choices as { name: string; value: unknown }[] | undefined)?.map((ch) => [ch.name, ch.value]) ?? [],
    autocomplete: o.autocomplete === true,
    min_value: o.min_value ?? null,
    max_value: o.max_value ?? null,
    min_length: o.min_length ?? null,
    max_length: o.max_length ?? null,
  }));
  return JSON.stringify({
    type: c.type ?? ApplicationCommandType.ChatInput,
    name: c.name,
    description: c.description,
    options,
    default_member_permissions: c.default_member_permissions ?? null,
    nsfw: c.nsfw === true,
  });
}

/** True when `remote` (what Discord has) already equals `local` (what we would PUT), in any order. */
export function sameCommands(
  local: readonly RESTPostAPIChatInputApplicationCommandsJSONBody[],
  remote: readonly Partial<APIApplicationCommand>[],
): boolean {
  if (local.length !== remote.length) return false;
  const a = local.map(comparable).sort();
  const b = remote.map(comparable).sort();
  return a.every((x, i) => x === b[i]);
}

/** Parses `data.options` of a chat-input interaction against the definition; wrong types are dropped. */
export function readOptions(def: CommandDefinition, raw: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(raw)) return out;
  const byName = new Map((def.options ?? []).map((o) => [o.name, o]));
  for (const item of raw as Array<{ name?: unknown; type?: unknown; value?: unknown }>) {
    const o = typeof item?.name === 'string' ? byName.get(item.name) : undefined;
    if (!o || item.type !== OPTION_TYPES[o.type]) continue;
    const v = item.value;
    const ok =
      o.type === 'string'
        ? typeof v === 'string'
        : o.type === 'integer'
          ? Number.isInteger(v)
          : o.type === 'number'
            ? typeof v === 'number' && Number.isFinite(v)
            : o.type === 'boolean'
              ? typeof v === 'boolean'
              : typeof v === 'string' && /^[0-9]{1,20}$/.test(v);
    if (ok) out[o.name] = v;
  }
  return out;
}
