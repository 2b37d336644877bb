/**
 * Voice for the bot: `client.voice.join(guildId, channelId)` gives a BotVoiceConnection (a
 * @cordwire/voice-ws VoiceConnection with an @cordwire/audio player and receiver) whose
 * signalling (op 4, VOICE_STATE_UPDATE, VOICE_SERVER_UPDATE) runs over the client's own shards
 * through the adapter seam. The connection itself handles voice server moves, 4015 resumes and
 * rejoins; this file only connects it to the right shard and remembers one handle per guild, as
 * Discord allows.
 */
import {
  joinVoiceChannel,
  type VoiceAdapterCreator,
  type VoiceAdapterLibraryMethods,
  type VoiceConnectionOptions,
} from '@cordwire/voice-ws';
import { BotVoiceConnection, type BotVoiceConnectionOptions } from './botVoiceConnection.js';
import { BotError } from './errors.js';

/** Options a join may set; guild, channel and adapter come from the client. */
export type JoinOptions = Omit<VoiceConnectionOptions, 'guildId' | 'channelId' | 'adapterCreator'> &
  BotVoiceConnectionOptions & {
    /** How long to wait for the connection to be ready. Default 15000 ms. */
    readonly timeoutMs?: number;
  };

/** What the voice manager needs from the client; kept narrow so the two stay decoupled. */
export interface VoiceSignalling {
  /** The bot's user id once logged in. */
  selfId(): string | undefined;
  /** Sends op 4 on the shard that owns the guild; false when no shard can send it now. */
  sendVoiceState(d: {
    guild_id: string;
    channel_id: string | null;
    self_mute: boolean;
    self_deaf: boolean;
  }): boolean;
}

export class BotVoice {
  readonly #signalling: VoiceSignalling;
  readonly #defaults: Partial<JoinOptions>;
  readonly #adapters = new Map<string, VoiceAdapterLibraryMethods>();
  readonly #connections = new Map<string, BotVoiceConnection>();

  constructor(signalling: VoiceSignalling, defaults: Partial<JoinOptions> = {}) {
    this.#signalling = signalling;
    this.#defaults = defaults;
  }

  /** Joins (or moves to) a voice channel; resolves when audio can flow. */
  async join(guildId: string, channelId: string, options: JoinOptions = {}): Promise<BotVoiceConnection> {
    if (!this.#signalling.selfId()) throw new BotError('NOT_READY', 'voice.join needs a logged-in client');
    const existing = this.#connections.get(guildId);
    if (existing && existing.status !== 'destroyed') {
      if (existing.channelId !== channelId) existing.connection.moveTo(channelId);
      await existing.connection.ready(options.timeoutMs ?? 15_000);
      return existing;
    }
    const { timeoutMs, player, receiver, ...rest } = { ...this.#defaults, ...options };
    const connection = joinVoiceChannel({
      ...rest,
      guildId,
      channelId,
      adapterCreator: this.#adapterFor(guildId),
    });
    const handle = new BotVoiceConnection(connection, { player, receiver });
    this.#connections.set(guildId, handle);
    handle.on('leave', () => {
      if (this.#connections.get(guildId) === handle) this.#connections.delete(guildId);
    });
    try {
      await connection.ready(timeoutMs ?? 15_000);
    } catch (err) {
      await handle.leave();
      throw err;
    }
    return handle;
  }

  connection(guildId: string): BotVoiceConnection | undefined {
    return this.#connections.get(guildId);
  }

  get connections(): ReadonlyMap<string, BotVoiceConnection> {
    return this.#connections;
  }

  /** Leaves the guild's voice channel (op 4 with no channel): recordings flush, the connection closes. */
  async leave(guildId: string): Promise<void> {
    const handle = this.#connections.get(guildId);
    this.#connections.delete(guildId);
    await handle?.leave();
  }

  async leaveAll(): Promise<void> {
    await Promise.all([...this.#connections.keys()].map((id) => this.leave(id)));
  }

  /** Feeds the two voice dispatches to the connection of their guild. */
  handleDispatch(t: string, d: unknown): void {
    if (t !== 'VOICE_STATE_UPDATE' && t !== 'VOICE_SERVER_UPDATE') return;
    const data = d as { guild_id?: unknown; user_id?: unknown };
    if (typeof data?.guild_id !== 'string') return;
    const methods = this.#adapters.get(data.guild_id);
    if (!methods) return;
    if (t === 'VOICE_SERVER_UPDATE') methods.onVoiceServerUpdate(d as never);
    else if (data.user_id === this.#signalling.selfId()) methods.onVoiceStateUpdate(d as never);
  }

  /** The gateway went away for good: connections can no longer signal. */
  gatewayGone(): void {
    for (const methods of this.#adapters.values()) methods.destroy();
    this.#adapters.clear();
  }

  #adapterFor(guildId: string): VoiceAdapterCreator {
    return (methods) => {
      this.#adapters.set(guildId, methods);
      return {
        sendPayload: (payload) => this.#signalling.sendVoiceState(payload.d),
        destroy: () => {
          if (this.#adapters.get(guildId) === methods) this.#adapters.delete(guildId);
        },
      };
    };
  }
}
