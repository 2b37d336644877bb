/**
 * The bot client: shards from @cordwire/gateway, REST through @discordjs/rest, a cache fed by
 * dispatches, application commands routed to handlers, and a shutdown that leaves cleanly.
 *
 * It reads like a small discord.js: `createClient({ token, intents })`, `client.on('messageCreate')`,
 * `client.command({...})`, `await client.login()`. Payloads are Discord's own JSON, typed with
 * discord-api-types, rather than wrapper classes: what you read in Discord's docs is what you get.
 */
import { EventEmitter } from 'node:events';
import {
  ShardManager,
  type ShardManagerOptions,
  type WorkerStrategyOptions,
  workerThreadsStrategy,
} from '@cordwire/gateway';
import { GatewayIntentBits, type GatewayIntentName } from '@cordwire/opcodes';
import { REST, type RESTOptions } from '@discordjs/rest';
import {
  type APIInteraction,
  type APIMessage,
  InteractionType,
  type RESTPostAPIChannelMessageJSONBody,
  Routes,
} from 'discord-api-types/v10';
import { Cache, type CacheOptions } from './cache.js';
import { type CommandDefinition, commandJSON, defineCommand, readOptions, sameCommands } from './commands.js';
import { BotError } from './errors.js';
import { type DispatchEvents, dispatchEventName } from './events.js';
import { BotVoice, type JoinOptions } from './voice.js';
import {
  AutocompleteInteraction,
  CommandInteraction,
  ComponentInteraction,
  ModalSubmitInteraction,
} from './interaction.js';

const DEFAULT_API = 'https://discord.com/api/v10';

export interface ClientOptions {
  readonly token: string;
  /** Intent bits, or names from @cordwire/opcodes (`['GUILDS', 'GUILD_MESSAGES']`). */
  readonly intents: number | readonly GatewayIntentName[];
  /**
   * Shards: a count, or `{ count, ids, workers }`. Default: what Discord recommends, in this process.
   * `workers: true` runs each shard in a worker thread; an object passes @cordwire/gateway's
   * worker options (`shardsPerWorker`, `execArgv`, `workerUrl`).
   */
  readonly shards?:
    | number
    | {
        readonly count?: number;
        readonly ids?: readonly number[] | { readonly start: number; readonly end: number };
        readonly workers?: boolean | WorkerStrategyOptions;
      };
  /** Discord's API base with the version, e.g. an emulator's `restUrl`. Default discord.com v10. */
  readonly apiUrl?: string;
  /** Your own @discordjs/rest instance, or options for the one the client makes. */
  readonly rest?: REST | Partial<RESTOptions>;
  readonly cache?: CacheOptions;
  /** Gateway options passed to every shard (encoding, compression, timeouts...). */
  readonly gateway?: Omit<
    ShardManagerOptions,
    'token' | 'intents' | 'restUrl' | 'shardCount' | 'shardIds' | 'strategy'
  >;
  /** Leave voice, close shards and flush on SIGINT/SIGTERM, then exit. Default true. */
  readonly handleSignals?: boolean;
  /**
   * How long login() waits, after READY, for the GUILD_CREATE of every guild READY listed, so that
   * `ready` fires with the cache filled (discord.js waits the same way). Default 15000; 0 does not wait.
   */
  readonly waitForGuildsMs?: number;
  /** Defaults for every voice join (e.g. `{ ca: voiceServer.caPem }` for an emulator's wss). */
  readonly voice?: Partial<JoinOptions>;
  /** Opt-in debug lines (token-free). */
  readonly debug?: (line: string) => void;
}

/** Discord's READY of each shard stays a `dispatch`: `ready` is the whole client's. */
export interface ClientEvents extends Omit<DispatchEvents, 'ready'> {
  /** Every shard is READY (or RESUMED); the cache holds the bot's user. */
  ready: [client: Client];
  /** Any dispatch, before the typed event: name as Discord sends it. */
  dispatch: [t: string, data: unknown, shardId: number];
  error: [error: Error];
  shardReady: [shardId: number];
  shardResumed: [shardId: number, replayed: number];
  shardReconnecting: [shardId: number, delayMs: number];
  /** A new session replaced one that could not be resumed: events in between were lost. */
  eventsMayHaveBeenMissed: [shardId: number, reason: string];
  shutdown: [];
}

export type ComponentHandler = (interaction: ComponentInteraction) => unknown;
export type ModalHandler = (interaction: ModalSubmitInteraction) => unknown;
export type ShutdownHook = () => unknown;

function intentBits(intents: ClientOptions['intents']): number {
  if (typeof intents === 'number') {
    if (!Number.isInteger(intents) || intents < 0 || intents >= 2 ** 31)
      throw new BotError('INVALID_OPTIONS', 'intents must be a whole number of intent bits');
    return intents;
  }
  let bits = 0;
  for (const name of intents) {
    const bit = GatewayIntentBits[name];
    if (bit === undefined) throw new BotError('INVALID_OPTIONS', `unknown intent "${String(name)}"`);
    bits |= bit;
  }
  return bits;
}

// The token is kept off the object (see @cordwire/gateway botToken.ts for why a field leaks).
const tokens = new WeakMap<Client, string>();

export class Client extends EventEmitter<ClientEvents> {
  readonly cache: Cache;
  readonly intents: number;
  /** Voice connections, one per guild: `await client.voice.join(guildId, channelId)`. */
  readonly voice: BotVoice;
  readonly #options: Omit<ClientOptions, 'token'>;
  readonly #rest: REST;
  readonly #commands = new Map<string, CommandDefinition>();
  readonly #components: Array<[string, ComponentHandler]> = [];
  readonly #modals: Array<[string, ModalHandler]> = [];
  readonly #shutdownHooks = new Set<ShutdownHook>();
  #manager: ShardManager | undefined;
  #applicationId: string | undefined;
  #ready = false;
  /** Guilds READY announced whose GUILD_CREATE has not arrived yet. */
  readonly #pendingGuilds = new Set<string>();
  #guildsArrived: (() => void) | undefined;
  #destroyed = false;
  #signalHandler: ((signal: NodeJS.Signals) => void) | undefined;

  constructor(options: ClientOptions) {
    super();
    if (typeof options.token !== 'string' || options.token.length === 0)
      throw new BotError('INVALID_OPTIONS', 'a bot token is required (an emulator gives one as emu.token)');
    const { token, ...rest } = options;
    tokens.set(this, token);
    this.#options = rest;
    this.intents = intentBits(options.intents);
    this.cache = new Cache(options.cache);
    this.#rest = this.#makeRest(options, token);
    this.voice = new BotVoice(
      {
        selfId: () => this.cache.user?.id,
        sendVoiceState: (d) => {
          const manager = this.#manager;
          if (!manager) return false;
          manager.send(manager.shardIdForGuild(d.guild_id), 4, d as never);
          return true;
        },
      },
      options.voice,
    );
    // Registered first, so it runs last: user hooks (recorders) still see live connections.
    this.onShutdown(() => this.voice.leaveAll());
  }

  #makeRest(options: ClientOptions, token: string): REST {
    if (options.rest instanceof REST) return options.rest.setToken(token);
    // @discordjs/rest wants the base without the version and adds `v${version}` itself.
    const api = options.apiUrl ?? DEFAULT_API;
    const m = /^(.*)\/v(\d+)\/?$/.exec(api);
    return new REST({
      ...(m ? { api: m[1], version: m[2] } : { api }),
      ...(options.rest as Partial<RESTOptions> | undefined),
    }).setToken(token);
  }

  /** The @discordjs/rest client, for any route the framework has no helper for. */
  get rest(): REST {
    return this.#rest;
  }

  get isReady(): boolean {
    return this.#ready;
  }

  /** The application id, from READY. */
  get applicationId(): string | undefined {
    return this.#applicationId;
  }

  /** The shard manager once logged in (for send, shardIdForGuild, gateway info). */
  get shards(): ShardManager | undefined {
    return this.#manager;
  }

  #debug(line: string): void {
    const sink = this.#options.debug;
    if (!sink) return;
    const token = tokens.get(this);
    sink(token ? line.split(token).join('[token]') : line);
  }

  /** Connects every shard; resolves when all are ready. A fatal close (bad token, bad intents) rejects. */
  async login(): Promise<this> {
    if (this.#destroyed) throw new BotError('DESTROYED', 'this client was destroyed; create a new one');
    if (this.#manager) return this;
    const o = this.#options;
    const shards = typeof o.shards === 'number' ? { count: o.shards } : (o.shards ?? {});
    const workers = shards.workers;
    const manager = new ShardManager({
      ...o.gateway,
      token: tokens.get(this) ?? '',
      intents: this.intents,
      restUrl: o.apiUrl ?? DEFAULT_API,
      ...(shards.count !== undefined ? { shardCount: shards.count } : {}),
      ...(shards.ids !== undefined ? { shardIds: shards.ids } : {}),
      ...(workers ? { strategy: workerThreadsStrategy(typeof workers === 'object' ? workers : {}) } : {}),
    });
    this.#manager = manager;
    let fatal: Error | undefined;
    manager.on('dispatch', ({ shardId, t, d }) => this.#onDispatch(shardId, t, d));
    manager.on('ready', ({ shardId }) => this.emit('shardReady', shardId));
    manager.on('resumed', ({ shardId, replayed }) => this.emit('shardResumed', shardId, replayed));
    manager.on('reconnecting', ({ shardId, delayMs }) => this.emit('shardReconnecting', shardId, delayMs));
    manager.on('eventsMayHaveBeenMissed', ({ shardId, reason }) =>
      this.emit('eventsMayHaveBeenMissed', shardId, reason),
    );
    manager.on('debug', ({ shardId, message }) => this.#debug(`[shard ${shardId}] ${message}`));
    manager.on('fatal', ({ shardId, error }) => {
      const e = new BotError('GATEWAY_FATAL', `shard ${shardId} cannot continue: ${error.message}`, {
        cause: error,
      });
      fatal ??= e;
      this.#emitError(e);
    });
    if (o.handleSignals !== false) this.#installSignals();
    try {
      await manager.connect();
    } catch (err) {
      manager.destroy();
      this.#manager = undefined;
      throw new BotError('LOGIN_FAILED', `login failed: ${(err as Error).message}`, { cause: err });
    }
    if (fatal) {
      manager.destroy();
      this.#manager = undefined;
      throw fatal;
    }
    await this.#waitForGuilds(o.waitForGuildsMs ?? 15_000);
    this.#ready = true;
    this.#debug(`ready: ${manager.shardCount} shard(s), ${this.cache.guildCount} guild(s)`);
    this.emit('ready', this);
    return this;
  }

  #onDispatch(shardId: number, t: string, d: unknown): void {
    this.cache.apply(t, d);
    this.voice.handleDispatch(t, d);
    if (t === 'READY') {
      const ready = d as { application?: { id?: unknown }; guilds?: unknown };
      if (typeof ready.application?.id === 'string') this.#applicationId = ready.application.id;
      if (!this.#ready && Array.isArray(ready.guilds))
        for (const g of ready.guilds as Array<{ id?: unknown }>)
          if (typeof g?.id === 'string') this.#pendingGuilds.add(g.id);
    } else if ((t === 'GUILD_CREATE' || t === 'GUILD_DELETE') && this.#pendingGuilds.size > 0) {
      this.#pendingGuilds.delete(String((d as { id?: unknown }).id));
      if (this.#pendingGuilds.size === 0) this.#guildsArrived?.();
    }
    this.emit('dispatch', t, d, shardId);
    if (t !== 'READY')
      (this.emit as (n: string, ...a: unknown[]) => boolean)(dispatchEventName(t), d, shardId);
    if (t === 'INTERACTION_CREATE') void this.#route(d as APIInteraction);
  }

  /** Resolves once every guild READY announced has arrived, or after `ms` (then it says which are late). */
  async #waitForGuilds(ms: number): Promise<void> {
    if (ms <= 0 || this.#pendingGuilds.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      this.#guildsArrived = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
    this.#guildsArrived = undefined;
    if (this.#pendingGuilds.size > 0) {
      this.#debug(`ready without ${this.#pendingGuilds.size} guild(s) that did not arrive within ${ms} ms`);
      this.#pendingGuilds.clear();
    }
  }

  #emitError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else console.error(`[cordwire/bot] ${error.message}`);
  }

  // ---- commands, components, modals -------------------------------------------------------

  /** Adds a slash command (see defineCommand for typed options). */
  command<const O extends readonly import('./commands.js').OptionDefinition[]>(
    definition: CommandDefinition<O>,
  ): this {
    const def = defineCommand(definition) as unknown as CommandDefinition;
    commandJSON(def); // validate now, not at registration
    if (this.#commands.has(def.name))
      throw new BotError('DUPLICATE_COMMAND', `command "${def.name}" is defined twice`);
    this.#commands.set(def.name, def);
    return this;
  }

  get commands(): ReadonlyMap<string, CommandDefinition> {
    return this.#commands;
  }

  /** Handles buttons and selects whose custom_id is `id`, or starts with `id` when it ends with ':'. */
  component(id: string, handler: ComponentHandler): this {
    this.#components.push([id, handler]);
    return this;
  }

  modal(id: string, handler: ModalHandler): this {
    this.#modals.push([id, handler]);
    return this;
  }

  /**
   * Registers the commands globally, or in one guild; does nothing when Discord already has exactly
   * these commands. Returns whether it wrote.
   */
  async registerCommands(options: { guildId?: string } = {}): Promise<{ changed: boolean; count: number }> {
    const appId = this.#applicationId;
    if (!appId)
      throw new BotError(
        'NOT_READY',
        'registerCommands needs the application id from READY: await login() first',
      );
    const route = options.guildId
      ? Routes.applicationGuildCommands(appId, options.guildId)
      : Routes.applicationCommands(appId);
    const local = [...this.#commands.values()].map(commandJSON);
    const remote = (await this.#rest.get(route)) as unknown[];
    if (Array.isArray(remote) && sameCommands(local, remote as never[])) {
      this.#debug(
        `commands unchanged (${local.length}) at ${options.guildId ? `guild ${options.guildId}` : 'global'}`,
      );
      return { changed: false, count: local.length };
    }
    await this.#rest.put(route, { body: local });
    this.#debug(
      `commands written (${local.length}) at ${options.guildId ? `guild ${options.guildId}` : 'global'}`,
    );
    return { changed: true, count: local.length };
  }

  async #route(raw: APIInteraction): Promise<void> {
    try {
      switch (raw.type) {
        case InteractionType.ApplicationCommand: {
          const data = raw.data as { name?: string; options?: unknown };
          const def = this.#commands.get(String(data.name));
          if (!def) return this.#debug(`no handler for command "${String(data.name)}"`);
          const options = readOptions(def, data.options);
          await def.run(new CommandInteraction(raw, this.#rest, def.name, options) as never);
          return;
        }
        case InteractionType.ApplicationCommandAutocomplete: {
          const data = raw.data as {
            name?: string;
            options?: Array<{ name: string; value: unknown; focused?: boolean }>;
          };
          const def = this.#commands.get(String(data.name));
          const focused = data.options?.find((o) => o.focused);
          if (!def?.autocomplete || !focused) return;
          await def.autocomplete(
            new AutocompleteInteraction(raw, this.#rest, def.name, {
              name: focused.name,
              value: String(focused.value ?? ''),
            }),
          );
          return;
        }
        case InteractionType.MessageComponent: {
          const i = new ComponentInteraction(raw, this.#rest);
          const h = match(this.#components, i.customId);
          if (h) await h(i);
          return;
        }
        case InteractionType.ModalSubmit: {
          const i = new ModalSubmitInteraction(raw, this.#rest);
          const h = match(this.#modals, i.customId);
          if (h) await h(i);
          return;
        }
        default:
          return;
      }
    } catch (err) {
      this.#emitError(
        err instanceof BotError
          ? err
          : new BotError(
              'HANDLER_FAILED',
              `interaction handler failed: ${(err as Error)?.message ?? String(err)}`,
              {
                cause: err,
              },
            ),
      );
    }
  }

  // ---- messages and voice state -------------------------------------------------------------

  /** Sends a message to a channel. */
  async send(channelId: string, message: string | RESTPostAPIChannelMessageJSONBody): Promise<APIMessage> {
    const body = typeof message === 'string' ? { content: message } : message;
    return (await this.#rest.post(Routes.channelMessages(channelId), { body })) as APIMessage;
  }

  /** Op 4 on the shard that owns the guild: join (a channel id), move, or leave (null). */
  updateVoiceState(
    guildId: string,
    channelId: string | null,
    options: { selfMute?: boolean; selfDeaf?: boolean } = {},
  ): void {
    const manager = this.#manager;
    if (!manager) throw new BotError('NOT_READY', 'updateVoiceState needs a logged-in client');
    const d = {
      guild_id: guildId,
      channel_id: channelId,
      self_mute: options.selfMute ?? false,
      self_deaf: options.selfDeaf ?? false,
    };
    manager.send(manager.shardIdForGuild(guildId), 4, d as never);
  }

  // ---- shutdown ----------------------------------------------------------------------------

  /** Runs before the shards close on destroy() (voice leaves, recorders flush). Returns an unsubscribe. */
  onShutdown(hook: ShutdownHook): () => void {
    this.#shutdownHooks.add(hook);
    return () => this.#shutdownHooks.delete(hook);
  }

  /** Leaves voice, flushes, closes every shard. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#removeSignals();
    for (const hook of [...this.#shutdownHooks].reverse()) {
      try {
        await hook();
      } catch (err) {
        this.#emitError(
          new BotError('HANDLER_FAILED', `shutdown hook failed: ${(err as Error)?.message}`, { cause: err }),
        );
      }
    }
    this.voice.gatewayGone();
    this.#manager?.destroy();
    this.#manager = undefined;
    this.#ready = false;
    this.emit('shutdown');
  }

  #installSignals(): void {
    if (this.#signalHandler) return;
    const handler = (signal: NodeJS.Signals) => {
      this.#debug(`${signal}: shutting down`);
      void this.destroy().finally(() => {
        // The user asked the process to stop; if nothing else listens for the signal, stop it.
        if (process.listenerCount(signal) === 0) process.exit(0);
      });
    };
    this.#signalHandler = handler;
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  }

  #removeSignals(): void {
    const h = this.#signalHandler;
    if (!h) return;
    process.off('SIGINT', h);
    process.off('SIGTERM', h);
    this.#signalHandler = undefined;
  }

  /** JSON of a client is a summary, never options or secrets. */
  toJSON(): Record<string, unknown> {
    return { ready: this.#ready, applicationId: this.#applicationId, guilds: this.cache.guildCount };
  }
}

function match<H>(handlers: ReadonlyArray<[string, H]>, customId: string): H | undefined {
  for (const [id, h] of handlers) {
    if (id === customId || (id.endsWith(':') && customId.startsWith(id))) return h;
  }
  return undefined;
}

/** A client; call `login()` to connect. */
export function createClient(options: ClientOptions): Client {
  return new Client(options);
}
