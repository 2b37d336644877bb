/**
 * What a handler gets for an interaction: the payload, typed options, and the responses Discord
 * allows (docs interactions/receiving-and-responding). The first response goes to the callback
 * route within 3 s; everything after it goes through the interaction webhook with the token.
 * Each context tracks whether it has been acknowledged so a second reply is a typed error here,
 * not a 400 (40060 "Interaction has already been acknowledged") from Discord.
 */
import type { REST } from '@discordjs/rest';
import {
  type APIApplicationCommandOptionChoice,
  type APIInteraction,
  type APIInteractionResponseCallbackData,
  type APIMessage,
  type APIModalInteractionResponseCallbackData,
  InteractionResponseType,
  MessageFlags,
  Routes,
} from 'discord-api-types/v10';
import { BotError } from './errors.js';

export type ReplyPayload = string | (APIInteractionResponseCallbackData & { ephemeral?: boolean });

function body(payload: ReplyPayload): APIInteractionResponseCallbackData {
  if (typeof payload === 'string') return { content: payload };
  const { ephemeral, ...rest } = payload;
  return ephemeral ? { ...rest, flags: (rest.flags ?? 0) | MessageFlags.Ephemeral } : rest;
}

abstract class BaseInteraction<I extends APIInteraction = APIInteraction> {
  readonly raw: I;
  readonly #rest: REST;
  #acknowledged = false;
  #deferred = false;

  constructor(raw: I, rest: REST) {
    this.raw = raw;
    this.#rest = rest;
  }

  get id(): string {
    return this.raw.id;
  }
  get guildId(): string | undefined {
    return this.raw.guild_id;
  }
  get channelId(): string | undefined {
    return this.raw.channel?.id ?? (this.raw as { channel_id?: string }).channel_id;
  }
  /** The invoking user (the member's user inside a guild). */
  get user(): { id: string; username: string } {
    const u = this.raw.member?.user ?? this.raw.user;
    return { id: u?.id ?? '0', username: u?.username ?? '' };
  }
  get acknowledged(): boolean {
    return this.#acknowledged;
  }
  get deferred(): boolean {
    return this.#deferred;
  }

  // The interaction token authorises the webhook routes by itself; the bot token is not sent.
  protected async callback(type: InteractionResponseType, data?: unknown): Promise<void> {
    if (this.#acknowledged)
      throw new BotError(
        'INTERACTION_ALREADY_ACKNOWLEDGED',
        `interaction ${this.raw.id} was already answered`,
      );
    this.#acknowledged = true;
    try {
      await this.#rest.post(Routes.interactionCallback(this.raw.id, this.raw.token), {
        body: data === undefined ? { type } : { type, data },
        auth: false,
      });
    } catch (err) {
      this.#acknowledged = false;
      throw err;
    }
    if (
      type === InteractionResponseType.DeferredChannelMessageWithSource ||
      type === InteractionResponseType.DeferredMessageUpdate
    )
      this.#deferred = true;
  }

  protected requireAcknowledged(what: string): void {
    if (!this.#acknowledged)
      throw new BotError('INTERACTION_NOT_ACKNOWLEDGED', `${what} needs a reply or deferReply first`);
  }

  protected get rest(): REST {
    return this.#rest;
  }
}

/** Interactions that can be answered with a message (commands, components, modal submits). */
abstract class RepliableInteraction<I extends APIInteraction> extends BaseInteraction<I> {
  reply(payload: ReplyPayload): Promise<void> {
    return this.callback(InteractionResponseType.ChannelMessageWithSource, body(payload));
  }

  /** "Thinking…"; answer later with editReply or followUp (within 15 minutes). */
  deferReply(options: { ephemeral?: boolean } = {}): Promise<void> {
    return this.callback(
      InteractionResponseType.DeferredChannelMessageWithSource,
      options.ephemeral ? { flags: MessageFlags.Ephemeral } : undefined,
    );
  }

  async editReply(payload: ReplyPayload): Promise<APIMessage> {
    this.requireAcknowledged('editReply');
    return (await this.rest.patch(
      Routes.webhookMessage(this.raw.application_id, this.raw.token, '@original'),
      {
        body: body(payload),
        auth: false,
      },
    )) as APIMessage;
  }

  async fetchReply(): Promise<APIMessage> {
    this.requireAcknowledged('fetchReply');
    return (await this.rest.get(Routes.webhookMessage(this.raw.application_id, this.raw.token, '@original'), {
      auth: false,
    })) as APIMessage;
  }

  async deleteReply(): Promise<void> {
    this.requireAcknowledged('deleteReply');
    await this.rest.delete(Routes.webhookMessage(this.raw.application_id, this.raw.token, '@original'), {
      auth: false,
    });
  }

  async followUp(payload: ReplyPayload): Promise<APIMessage> {
    this.requireAcknowledged('followUp');
    return (await this.rest.post(Routes.webhook(this.raw.application_id, this.raw.token), {
      body: body(payload),
      auth: false,
    })) as APIMessage;
  }

  showModal(modal: APIModalInteractionResponseCallbackData): Promise<void> {
    return this.callback(InteractionResponseType.Modal, modal);
  }
}

export class CommandInteraction<
  Options = Record<string, unknown>,
> extends RepliableInteraction<APIInteraction> {
  readonly commandName: string;
  readonly options: Options;

  constructor(raw: APIInteraction, rest: REST, commandName: string, options: Options) {
    super(raw, rest);
    this.commandName = commandName;
    this.options = options;
  }
}

/** A button or select menu was used; `customId` names it. */
export class ComponentInteraction extends RepliableInteraction<APIInteraction> {
  get customId(): string {
    return String((this.raw.data as { custom_id?: unknown } | undefined)?.custom_id ?? '');
  }
  /** Selected values of a select menu. */
  get values(): string[] {
    const v = (this.raw.data as { values?: unknown } | undefined)?.values;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }
  /** Edit the message the component is on. */
  update(payload: ReplyPayload): Promise<void> {
    return this.callback(InteractionResponseType.UpdateMessage, body(payload));
  }
  deferUpdate(): Promise<void> {
    return this.callback(InteractionResponseType.DeferredMessageUpdate);
  }
}

export class ModalSubmitInteraction extends RepliableInteraction<APIInteraction> {
  get customId(): string {
    return String((this.raw.data as { custom_id?: unknown } | undefined)?.custom_id ?? '');
  }
  /** Text input values by custom_id (every action row flattened). */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {};
    const rows = (this.raw.data as { components?: unknown } | undefined)?.components;
    for (const row of Array.isArray(rows) ? rows : []) {
      const inner = (row as { components?: unknown; component?: unknown }).components ?? [
        (row as { component?: unknown }).component,
      ];
      for (const c of Array.isArray(inner) ? inner : []) {
        const { custom_id, value } = (c ?? {}) as { custom_id?: unknown; value?: unknown };
        if (typeof custom_id === 'string' && typeof value === 'string') out[custom_id] = value;
      }
    }
    return out;
  }
}

export class AutocompleteInteraction extends BaseInteraction<APIInteraction> {
  readonly commandName: string;
  /** The option being typed and what has been typed so far. */
  readonly focused: { name: string; value: string };

  constructor(
    raw: APIInteraction,
    rest: REST,
    commandName: string,
    focused: { name: string; value: string },
  ) {
    super(raw, rest);
    this.commandName = commandName;
    this.focused = focused;
  }

  respond(choices: readonly APIApplicationCommandOptionChoice[]): Promise<void> {
    return this.callback(InteractionResponseType.ApplicationCommandAutocompleteResult, {
      choices: choices.slice(0, 25),
    });
  }
}
