/**
 * Interactions from creation to the last follow-up (docs interactions/receiving-and-responding).
 * A user runs a command or clicks a component: INTERACTION_CREATE with an id and a token. The
 * bot must answer once within 3 s (else 10062 Unknown interaction; a second answer is 40060);
 * the token then works for 15 min for @original and follow-ups (after that 50027). Every answer
 * is emitted as `interactionResponse` so a test can await what the bot said.
 */
import { randomBytes } from 'node:crypto';
import { channelPayload, memberPayload, messagePayload, rolePayload, userPayload } from './payloads.js';
import type { ChannelState, MessageInput, MessageState, World } from './world.js';
import { WorldError, WorldErrorCode } from './worldError.js';

/** Interaction types (docs "Interaction Type"). */
export const InteractionType = {
  PING: 1,
  APPLICATION_COMMAND: 2,
  MESSAGE_COMPONENT: 3,
  APPLICATION_COMMAND_AUTOCOMPLETE: 4,
  MODAL_SUBMIT: 5,
} as const;

/** Callback types (docs "Interaction Callback Type"). */
export const InteractionCallbackType = {
  PONG: 1,
  CHANNEL_MESSAGE_WITH_SOURCE: 4,
  DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: 5,
  DEFERRED_UPDATE_MESSAGE: 6,
  UPDATE_MESSAGE: 7,
  APPLICATION_COMMAND_AUTOCOMPLETE_RESULT: 8,
  MODAL: 9,
} as const;

/** 3 s to acknowledge, 15 min of token life (docs "Responding to an Interaction"). */
export const INTERACTION_ACK_MS = 3_000;
export const INTERACTION_TOKEN_MS = 15 * 60_000;

const EPHEMERAL = 1 << 6;
/** Interactions kept before expired ones are swept. */
const INTERACTION_SWEEP_SIZE = 1_000;
const LOADING = 1 << 7;

export interface InteractionState {
  id: string;
  token: string;
  type: number;
  guildId: string | undefined;
  channelId: string;
  userId: string;
  createdAt: number;
  /** The INTERACTION_CREATE data as the bot received it. */
  payload: Record<string, unknown>;
  /** The first callback's type, once the bot answered. */
  callbackType: number | undefined;
  /** The message @original points at: the reply, or for components the clicked message. */
  originalMessageId: string | undefined;
  /** The component's message, for type 3 interactions. */
  sourceMessageId: string | undefined;
  followupIds: string[];
  responses: InteractionResponse[];
}

export type InteractionResponseKind =
  | 'callback'
  | 'editOriginal'
  | 'deleteOriginal'
  | 'followup'
  | 'editFollowup'
  | 'deleteFollowup';

/** One answer the bot gave; `message` is the message it created or changed, when there is one. */
export interface InteractionResponse {
  interactionId: string;
  kind: InteractionResponseKind;
  /** For `callback`: the callback type (4 reply, 5 deferred reply, 6, 7, 8 autocomplete, 9 modal). */
  callbackType?: number;
  /** The callback's `data` (choices for 8, the modal for 9) or the edit/follow-up body. */
  data?: unknown;
  message?: ReturnType<typeof messagePayload>;
}

export interface CreateInteraction {
  type: number;
  userId: string;
  channelId: string;
  /** The interaction's `data` (command id/name/options, custom_id/component_type, ...). */
  data: Record<string, unknown>;
  /** For components: the message the component is on. */
  messageId?: string;
}

export class Interactions {
  private readonly byId = new Map<string, InteractionState>();
  private readonly byToken = new Map<string, InteractionState>();

  constructor(private readonly world: World) {}

  /** Forgets interactions whose token has expired: nothing can answer them any more. */
  private sweep(now: number): void {
    for (const [id, state] of this.byId) {
      if (now - state.createdAt <= INTERACTION_TOKEN_MS) continue;
      this.byId.delete(id);
      this.byToken.delete(state.token);
    }
  }

  get(id: string): InteractionState | undefined {
    return this.byId.get(id);
  }

  all(): InteractionState[] {
    return [...this.byId.values()];
  }

  /** Creates an interaction and dispatches INTERACTION_CREATE (sent whatever the intents). */
  create(input: CreateInteraction): InteractionState {
    const world = this.world;
    const { channel, guild } = world.channel(input.channelId);
    const user = world.user(input.userId);
    const id = world.ids.next();
    // Discord's tokens are long opaque strings; the prefix makes a leaked one recognisable.
    const token = `aW50ZXJhY3Rpb246${randomBytes(48).toString('base64url')}`;
    const payload: Record<string, unknown> = {
      id,
      application_id: world.application.id,
      type: input.type,
      data: input.data,
      channel: channelPayload(channel),
      channel_id: input.channelId,
      token,
      version: 1,
      locale: 'en-US',
      entitlements: [],
      attachment_size_limit: 10_485_760,
    };
    if (guild) {
      const member = world.member(guild.id, user.id);
      payload.guild_id = guild.id;
      payload.guild = { id: guild.id, locale: 'en-US', features: [] };
      payload.guild_locale = 'en-US';
      payload.member = {
        ...memberPayload(member),
        permissions: world.permissions(guild.id, user.id, input.channelId).toString(),
      };
      payload.app_permissions = world.permissions(guild.id, world.bot.id, input.channelId).toString();
      payload.authorizing_integration_owners = { '0': guild.id };
      payload.context = 0;
    } else {
      payload.user = userPayload(user);
      payload.app_permissions = '0';
      payload.authorizing_integration_owners = { '0': '0' };
      payload.context = 1;
    }
    if (input.messageId !== undefined) {
      payload.message = messagePayload(world.message(input.channelId, input.messageId), world.bot.id);
    }
    const state: InteractionState = {
      id,
      token,
      type: input.type,
      guildId: guild?.id,
      channelId: input.channelId,
      userId: user.id,
      createdAt: world.clock.now(),
      payload,
      callbackType: undefined,
      originalMessageId: undefined,
      sourceMessageId: input.messageId,
      followupIds: [],
      responses: [],
    };
    if (this.byId.size >= INTERACTION_SWEEP_SIZE) this.sweep(state.createdAt);
    this.byId.set(id, state);
    this.byToken.set(token, state);
    world.dispatch('INTERACTION_CREATE', payload, guild?.id);
    return state;
  }

  /**
   * A user runs a slash (or user/message) command by name: resolves the command (guild first,
   * then global) and the option values that name users, channels and roles.
   */
  runCommand(input: {
    userId: string;
    channelId: string;
    name: string;
    type?: number;
    options?: Array<{ name: string; type: number; value?: unknown; options?: unknown[]; focused?: boolean }>;
    autocomplete?: boolean;
  }): InteractionState {
    const { guild } = this.world.channel(input.channelId);
    const command = this.world.commands.find(input.name, guild?.id, input.type ?? 1);
    if (!command) throw new WorldError(WorldErrorCode.UNKNOWN_APPLICATION_COMMAND);
    const data: Record<string, unknown> = {
      id: command.id,
      name: command.name,
      type: command.type,
      ...(command.guild_id !== undefined ? { guild_id: command.guild_id } : {}),
    };
    if (input.options !== undefined) {
      data.options = input.options;
      const resolved = this.resolveOptions(input.options, guild?.id);
      if (resolved !== undefined) data.resolved = resolved;
    }
    return this.create({
      type: input.autocomplete
        ? InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE
        : InteractionType.APPLICATION_COMMAND,
      userId: input.userId,
      channelId: input.channelId,
      data,
    });
  }

  /** A user clicks a button (or picks `values` in a select) on a message. */
  clickComponent(input: {
    userId: string;
    channelId: string;
    messageId: string;
    customId: string;
    componentType?: number;
    values?: string[];
  }): InteractionState {
    return this.create({
      type: InteractionType.MESSAGE_COMPONENT,
      userId: input.userId,
      channelId: input.channelId,
      messageId: input.messageId,
      data: {
        custom_id: input.customId,
        component_type: input.componentType ?? 2,
        ...(input.values !== undefined ? { values: input.values } : {}),
      },
    });
  }

  private resolveOptions(
    options: Array<{ type: number; value?: unknown; options?: unknown[] }>,
    guildId?: string,
  ) {
    const users: Record<string, unknown> = {};
    const members: Record<string, unknown> = {};
    const roles: Record<string, unknown> = {};
    const channels: Record<string, unknown> = {};
    let any = false;
    const walk = (list: Array<{ type: number; value?: unknown; options?: unknown[] }>) => {
      for (const o of list) {
        if (Array.isArray(o.options)) walk(o.options as typeof list);
        if (typeof o.value !== 'string') continue;
        const id = o.value;
        // 6 USER, 7 CHANNEL, 8 ROLE, 9 MENTIONABLE (docs "Application Command Option Type").
        if (o.type === 6 || o.type === 9) {
          const u = this.world.users.get(id);
          if (u) {
            users[id] = userPayload(u);
            const m = guildId !== undefined ? this.world.guilds.get(guildId)?.members.get(id) : undefined;
            if (m) {
              const { user: _u, ...partial } = memberPayload(m);
              members[id] = { ...partial, permissions: this.world.permissions(guildId!, id).toString() };
            }
            any = true;
          }
        }
        if ((o.type === 8 || o.type === 9) && guildId !== undefined) {
          const r = this.world.guilds.get(guildId)?.roles.get(id);
          if (r) {
            roles[id] = rolePayload(r);
            any = true;
          }
        }
        if (o.type === 7) {
          const c = guildId !== undefined ? this.world.guilds.get(guildId)?.channels.get(id) : undefined;
          if (c) {
            channels[id] = { ...channelPayload(c as ChannelState), permissions: '0' };
            any = true;
          }
        }
      }
    };
    walk(options);
    if (!any) return undefined;
    return { users, members, roles, channels };
  }

  // ---- the bot's side -----------------------------------------------------------------------

  private record(state: InteractionState, response: InteractionResponse): void {
    state.responses.push(response);
    this.world.emit('interactionResponse', response);
  }

  /** The first answer, over POST /interactions/{id}/{token}/callback. */
  callback(
    id: string,
    token: string,
    body: { type: number; data?: Record<string, unknown> },
  ): InteractionResponse {
    const state = this.byId.get(id);
    const now = this.world.clock.now();
    if (!state || state.token !== token || now - state.createdAt > INTERACTION_ACK_MS) {
      throw new WorldError(WorldErrorCode.UNKNOWN_INTERACTION);
    }
    if (state.callbackType !== undefined)
      throw new WorldError(WorldErrorCode.INTERACTION_ALREADY_ACKNOWLEDGED);
    this.checkCallbackType(state, body.type);
    state.callbackType = body.type;
    const data = body.data ?? {};
    const response: InteractionResponse = {
      interactionId: id,
      kind: 'callback',
      callbackType: body.type,
      data,
    };
    const T = InteractionCallbackType;
    if (body.type === T.CHANNEL_MESSAGE_WITH_SOURCE || body.type === T.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE) {
      const deferred = body.type === T.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE;
      const flags = (typeof data.flags === 'number' ? data.flags : 0) | (deferred ? LOADING : 0);
      const input: MessageInput = deferred ? { flags } : { ...(data as MessageInput), flags };
      const message = this.postAsApp(state, input);
      state.originalMessageId = message.id;
      response.message = messagePayload(message, this.world.bot.id);
    } else if (body.type === T.UPDATE_MESSAGE || body.type === T.DEFERRED_UPDATE_MESSAGE) {
      state.originalMessageId = state.sourceMessageId;
      if (body.type === T.UPDATE_MESSAGE && state.sourceMessageId !== undefined) {
        const m = this.world.editMessage(state.channelId, state.sourceMessageId, data as MessageInput);
        response.message = messagePayload(m, this.world.bot.id);
      }
    }
    this.record(state, response);
    return response;
  }

  private checkCallbackType(state: InteractionState, type: number): void {
    const T = InteractionCallbackType;
    const allowed: Record<number, readonly number[]> = {
      [InteractionType.APPLICATION_COMMAND]: [4, 5, 9],
      [InteractionType.MESSAGE_COMPONENT]: [4, 5, 6, 7, 9],
      [InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE]: [T.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT],
      [InteractionType.MODAL_SUBMIT]: [4, 5, 6, 7],
    };
    if (!(allowed[state.type] ?? []).includes(type)) {
      throw new WorldError(WorldErrorCode.INVALID_FORM_BODY, undefined, {
        type: {
          _errors: [
            {
              code: 'INTERACTION_CALLBACK_TYPE_INVALID',
              message: 'Interaction callback type is not valid for this interaction.',
            },
          ],
        },
      });
    }
  }

  private postAsApp(state: InteractionState, input: MessageInput): MessageState {
    const user = this.world.user(state.userId);
    const name = (state.payload.data as Record<string, unknown> | undefined)?.name;
    const isCommand = state.type === InteractionType.APPLICATION_COMMAND;
    return this.world.postMessage(state.channelId, this.world.bot.id, input, {
      type: isCommand ? 20 : 0,
      webhookId: this.world.application.id,
      applicationId: this.world.application.id,
      interactionMetadata: {
        id: state.id,
        type: state.type,
        user: userPayload(user),
        authorizing_integration_owners: state.payload.authorizing_integration_owners,
        ...(isCommand && typeof name === 'string' ? { name, command_type: 1 } : {}),
      },
      silent: ((input.flags ?? 0) & EPHEMERAL) !== 0,
    });
  }

  /** The interaction a webhook token belongs to; 50027 once the token's 15 minutes are over. */
  byWebhook(applicationId: string, token: string): InteractionState {
    const state = this.byToken.get(token);
    if (!state || applicationId !== this.world.application.id)
      throw new WorldError(WorldErrorCode.UNKNOWN_WEBHOOK);
    if (this.world.clock.now() - state.createdAt > INTERACTION_TOKEN_MS) {
      throw new WorldError(WorldErrorCode.INVALID_WEBHOOK_TOKEN);
    }
    return state;
  }

  private ownMessageId(state: InteractionState, messageId: string): string {
    if (messageId === '@original') {
      if (state.originalMessageId === undefined) throw new WorldError(WorldErrorCode.UNKNOWN_MESSAGE);
      return state.originalMessageId;
    }
    if (!state.followupIds.includes(messageId) && messageId !== state.originalMessageId) {
      throw new WorldError(WorldErrorCode.UNKNOWN_MESSAGE);
    }
    return messageId;
  }

  getMessage(applicationId: string, token: string, messageId: string): MessageState {
    const state = this.byWebhook(applicationId, token);
    return this.world.message(state.channelId, this.ownMessageId(state, messageId));
  }

  /** PATCH @original or a follow-up; editing a deferred reply clears its loading flag. */
  editMessage(applicationId: string, token: string, messageId: string, patch: MessageInput): MessageState {
    const state = this.byWebhook(applicationId, token);
    const id = this.ownMessageId(state, messageId);
    const current = this.world.message(state.channelId, id);
    const ephemeral = (current.flags & EPHEMERAL) !== 0;
    const edit = { ...patch, flags: current.flags & ~LOADING };
    const m = this.world.editMessage(state.channelId, id, edit, { silent: ephemeral });
    this.record(state, {
      interactionId: state.id,
      kind: messageId === '@original' || id === state.originalMessageId ? 'editOriginal' : 'editFollowup',
      data: patch,
      message: messagePayload(m, this.world.bot.id),
    });
    return m;
  }

  deleteMessage(applicationId: string, token: string, messageId: string): void {
    const state = this.byWebhook(applicationId, token);
    const id = this.ownMessageId(state, messageId);
    const current = this.world.message(state.channelId, id);
    this.world.deleteMessage(state.channelId, id, { silent: (current.flags & EPHEMERAL) !== 0 });
    const original = id === state.originalMessageId;
    if (original) state.originalMessageId = undefined;
    this.record(state, { interactionId: state.id, kind: original ? 'deleteOriginal' : 'deleteFollowup' });
  }

  /** POST /webhooks/{app}/{token}: needs the interaction acknowledged first. */
  followup(applicationId: string, token: string, input: MessageInput): MessageState {
    const state = this.byWebhook(applicationId, token);
    if (state.callbackType === undefined) throw new WorldError(WorldErrorCode.UNKNOWN_WEBHOOK);
    const m = this.postAsApp(state, input);
    state.followupIds.push(m.id);
    this.record(state, {
      interactionId: state.id,
      kind: 'followup',
      data: input,
      message: messagePayload(m, this.world.bot.id),
    });
    return m;
  }

  /** Resolves with the next response to `id` that `match` accepts (any response by default). */
  waitForResponse(
    id: string,
    match: (r: InteractionResponse) => boolean = () => true,
    opts: { timeoutMs?: number } = {},
  ): Promise<InteractionResponse> {
    const state = this.byId.get(id);
    const seen = state?.responses.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : this.world.clock.setTimeout(() => {
              this.world.off('interactionResponse', listener);
              reject(
                new WorldError(
                  WorldErrorCode.UNKNOWN_INTERACTION,
                  `no response to interaction ${id} in time`,
                ),
              );
            }, opts.timeoutMs);
      const listener = (r: InteractionResponse) => {
        if (r.interactionId !== id || !match(r)) return;
        if (timer !== undefined) this.world.clock.clearTimeout(timer);
        this.world.off('interactionResponse', listener);
        resolve(r);
      };
      this.world.on('interactionResponse', listener);
    });
  }
}
