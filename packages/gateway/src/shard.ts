/**
 * The shell around ShardCore: owns the WebSocket (`ws`), the timers, the identify queue and the
 * session store, and turns the core's actions into effects and its events into EventEmitter
 * events. Everything protocol-shaped lives in the core.
 */
import { EventEmitter } from 'node:events';
import { encodeEtf, GatewayOpcodes } from '@cordwire/opcodes';
import WebSocket from 'ws';
import { keepToken, tokenOf, withoutToken } from './botToken.js';
import { GatewayInboundError } from './errors.js';
import { type IdentifyQueue, InMemoryIdentifyQueue } from './identifyQueue.js';
import { InboundDecoder } from './inbound.js';
import type {
  GatewayPayload,
  GuildMembersChunk,
  PresenceUpdateData,
  RequestGuildMembersData,
  GatewayDispatchMap,
  RequestSoundboardSoundsData,
  UserSendData,
  UserSendOpcode,
  VoiceStateUpdateData,
} from './payloads.js';
import { MemberChunkCollector } from './requestGuildMembers.js';
import { MemorySessionStore, type SessionStore } from './sessionStore.js';
import {
  type SessionInfo,
  type ShardAction,
  ShardCore,
  type ShardCoreOptions,
  type ShardEvent,
  type ShardInput,
  type ShardState,
  type ShardTimer,
} from './shardCore.js';

export interface ShardOptions extends Omit<ShardCoreOptions, 'now' | 'random'> {
  /** Cap on one decompressed inbound message. Default 16 MiB (a large GUILD_CREATE fits). */
  readonly maxFrameBytes?: number;
  /** zstd-stream: largest window a frame header may declare; beyond it, typed error. Default 8 MiB. */
  readonly maxZstdWindowBytes?: number;
  readonly identifyQueue?: IdentifyQueue;
  readonly sessionStore?: SessionStore;
  /** For tests: a deterministic source of jitter. */
  readonly random?: () => number;
}

type WithShard<E> = E extends { type: infer T }
  ? Omit<E, 'type'> & { readonly type: T; readonly shardId: number }
  : never;
type EventOf<T extends ShardEvent['type']> = WithShard<Extract<ShardEvent, { type: T }>>;

/** Event map of a Shard (and of a ShardManager, which re-emits them). */
export type ShardEvents = { [T in ShardEvent['type']]: [event: EventOf<T>] };

/** Every event name a Shard emits; a Record so that a new ShardEvent type cannot be left out. */
const EVENT_NAMES: Record<ShardEvent['type'], true> = {
  connecting: true,
  hello: true,
  ready: true,
  resumed: true,
  reconnecting: true,
  closed: true,
  eventsMayHaveBeenMissed: true,
  sequenceGap: true,
  sendDropped: true,
  heartbeat: true,
  dispatch: true,
  inboundError: true,
  timeout: true,
  fatal: true,
  debug: true,
};
/** What a manager or a worker forwards from its shards. */
export const SHARD_EVENT_NAMES = Object.keys(EVENT_NAMES) as ReadonlyArray<keyof ShardEvents>;

const CLOSE_GRACE_MS = 1000;

export class Shard extends EventEmitter<ShardEvents> {
  private readonly core: ShardCore;
  /** Cancel functions of the running timers. */
  private readonly timers = new Map<ShardTimer, () => void>();
  private readonly identifyQueue: IdentifyQueue;
  private readonly sessionStore: SessionStore;
  private readonly members = new MemberChunkCollector();
  private socket: WebSocket | null = null;
  private decoder: InboundDecoder | null = null;
  private identifyAbort: AbortController | null = null;
  private busy = false;
  private readonly inbox: ShardInput[] = [];
  /** The options without the token (botToken.ts: the token is never kept in a field). */
  private readonly options: Omit<ShardOptions, 'token'>;

  constructor(options: ShardOptions) {
    super();
    this.options = withoutToken(options);
    keepToken(this, options.token);
    this.core = new ShardCore({ ...options, random: options.random });
    this.identifyQueue = options.identifyQueue ?? new InMemoryIdentifyQueue();
    this.sessionStore = options.sessionStore ?? new MemorySessionStore();
  }

  get id(): number {
    return this.core.shardId;
  }

  get state(): ShardState {
    return this.core.state;
  }

  get session(): SessionInfo | null {
    return this.core.session;
  }

  /** Counters: duplicates dropped, sequence gaps seen, zombies detected, sends dropped. */
  get stats(): Readonly<ShardCore['stats']> {
    return this.core.stats;
  }

  /** Connects (resuming a stored session when the store has one). */
  async connect(): Promise<void> {
    let stored: SessionInfo | null | undefined = null;
    try {
      stored = await this.sessionStore.get(this.id);
    } catch (e) {
      this.debug(`session store get failed: ${(e as Error).message}`);
    }
    this.feed({ type: 'start', session: stored ?? null });
  }

  /**
   * Closes the connection. `resumable: true` keeps the session (saved in the store) so that a
   * later `connect()`, here or in another process, resumes it; otherwise the session ends.
   */
  destroy(options: { resumable?: boolean } = {}): void {
    this.feed({ type: 'stop', resumable: options.resumable ?? false });
    this.identifyAbort?.abort();
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }

  /**
   * Sends a payload through the rate limiter (queued until READY/RESUMED); `d` is typed by
   * opcode from the @cordwire/opcodes catalog.
   */
  send<Op extends UserSendOpcode>(op: Op, d: UserSendData<Op>): void {
    this.feed({ type: 'send', payload: { op, d } });
  }

  /**
   * Listens for one dispatch event with `d` typed from GatewayDispatchMap; returns the
   * function that stops listening.
   */
  onDispatch<T extends keyof GatewayDispatchMap>(
    t: T,
    listener: (d: GatewayDispatchMap[T], event: ShardEvents['dispatch'][0]) => void,
  ): () => void {
    const l = (e: ShardEvents['dispatch'][0]) => {
      if (e.t === t) listener(e.d as GatewayDispatchMap[T], e);
    };
    this.on('dispatch', l);
    return () => this.off('dispatch', l);
  }

  /** Op 3 Presence Update. */
  updatePresence(presence: PresenceUpdateData): void {
    this.send(GatewayOpcodes.PRESENCE_UPDATE, presence);
  }

  /** Op 4 Voice State Update (join, move or leave a voice channel). */
  updateVoiceState(data: VoiceStateUpdateData): void {
    this.send(GatewayOpcodes.VOICE_STATE_UPDATE, data);
  }

  /** Op 31 Request Soundboard Sounds; answered with SOUNDBOARD_SOUNDS dispatches. */
  requestSoundboardSounds(data: RequestSoundboardSoundsData): void {
    this.send(GatewayOpcodes.REQUEST_SOUNDBOARD_SOUNDS, data);
  }

  /**
   * Op 8 Request Guild Members: the GUILD_MEMBERS_CHUNK answers, collected by nonce, as an
   * async iterable. Fails with RequestGuildMembersTimeoutError if a chunk takes longer than
   * `timeoutMs` (default 10 s).
   */
  requestGuildMembers(
    data: RequestGuildMembersData,
    options: { timeoutMs?: number } = {},
  ): AsyncIterable<GuildMembersChunk> {
    const nonce = MemberChunkCollector.nonce();
    return this.members.collect(
      nonce,
      data.guild_id,
      () => this.send(GatewayOpcodes.REQUEST_GUILD_MEMBERS, { ...data, limit: data.limit ?? 0, nonce }),
      options.timeoutMs ?? 10_000,
    );
  }

  private debug(message: string): void {
    this.emit('debug', { type: 'debug', message: this.redact(message), shardId: this.id });
  }

  /** Belt and braces: no message that leaves this class may contain the token. */
  private redact(s: string): string {
    const token = tokenOf(this);
    return token && s.includes(token) ? s.split(token).join('[token]') : s;
  }

  private feed(input: ShardInput): void {
    this.inbox.push(input);
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.inbox.length > 0) {
        const actions = this.core.handle(this.inbox.shift()!);
        for (const a of actions) this.run(a);
      }
    } finally {
      this.busy = false;
    }
  }

  private run(a: ShardAction): void {
    switch (a.type) {
      case 'connect':
        this.open(a.url, a.conn);
        return;
      case 'send':
        this.write(a.payload);
        return;
      case 'close':
        // An identify slot waited for by the old connection would be wasted (5 s per key).
        this.identifyAbort?.abort();
        this.identifyAbort = null;
        this.closeSocket(a.code, a.reason);
        return;
      case 'startTimer': {
        this.timers.get(a.timer)?.();
        const timer = a.timer;
        const handle = setTimeout(() => {
          if (timer !== 'heartbeat') {
            this.timers.delete(timer);
            this.feed({ type: 'timer', timer });
            return;
          }
          // Timers run before the event loop polls sockets: an ACK that already arrived while
          // this process was busy is read first, so it is not taken for a zombie.
          const immediate = setImmediate(() => {
            this.timers.delete(timer);
            this.feed({ type: 'timer', timer });
          });
          this.timers.set(timer, () => clearImmediate(immediate));
        }, a.ms);
        this.timers.set(timer, () => clearTimeout(handle));
        return;
      }
      case 'cancelTimer':
        this.timers.get(a.timer)?.();
        this.timers.delete(a.timer);
        return;
      case 'requestIdentify': {
        this.identifyAbort?.abort();
        const abort = new AbortController();
        this.identifyAbort = abort;
        this.identifyQueue.waitForIdentify(this.id, abort.signal).then(
          () => this.feed({ type: 'identifyGranted', conn: a.conn }),
          (e: unknown) => {
            if (!abort.signal.aborted) this.debug(`identify queue failed: ${(e as Error)?.message}`);
          },
        );
        return;
      }
      case 'saveSession':
        Promise.resolve()
          .then(() => this.sessionStore.set(this.id, a.session))
          .catch((e: unknown) => this.debug(`session store set failed: ${(e as Error)?.message}`));
        return;
      case 'emit':
        this.dispatchEvent(a.event);
        return;
    }
  }

  private dispatchEvent(event: ShardEvent): void {
    if (event.type === 'dispatch') this.members.offer(event.t, event.d);
    if (event.type === 'debug') {
      this.emit('debug', { type: 'debug', message: this.redact(event.message), shardId: this.id });
      return;
    }
    // Each event object carries its own `type`; the cast only joins the union to the map.
    (this.emit as (name: string, e: unknown) => boolean)(event.type, { ...event, shardId: this.id });
  }

  private open(url: string, conn: number): void {
    this.detachSocket();
    this.decoder = new InboundDecoder({
      encoding: this.options.encoding ?? 'json',
      transportCompression: this.options.transportCompression ?? 'none',
      maxFrameBytes: this.options.maxFrameBytes ?? 16 * 1024 * 1024,
      maxZstdWindowBytes: this.options.maxZstdWindowBytes,
    });
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, {
        perMessageDeflate: false,
        maxPayload: this.options.maxFrameBytes ?? 16 * 1024 * 1024,
      });
    } catch (e) {
      this.debug(`cannot open socket: ${(e as Error).message}`);
      queueMicrotask(() => this.feed({ type: 'closed', conn, code: 1006, reason: 'connect failed' }));
      return;
    }
    this.socket = ws;
    const decoder = this.decoder;
    ws.on('open', () => this.feed({ type: 'open', conn }));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.socket !== ws) return;
      let payload: GatewayPayload | undefined;
      try {
        payload = decoder.decode(isBinary ? data : data.toString('utf8'));
      } catch (e) {
        const error =
          e instanceof GatewayInboundError ? e : new GatewayInboundError('GATEWAY_DECODE_FAILED', String(e));
        this.feed({ type: 'inboundError', conn, error });
        return;
      }
      if (payload) this.feed({ type: 'payload', conn, payload });
    });
    ws.on('error', (e) => this.debug(`socket error: ${e.message}`));
    ws.on('close', (code, reason) => {
      if (this.socket === ws) this.socket = null;
      this.identifyAbort?.abort();
      this.identifyAbort = null;
      this.feed({ type: 'closed', conn, code, reason: reason.toString('utf8') });
    });
  }

  private write(payload: GatewayPayload): void {
    const ws = this.socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      this.debug(`op ${payload.op} not sent: socket not open`);
      return;
    }
    try {
      if (this.options.encoding === 'etf') ws.send(encodeEtf(payload));
      else ws.send(JSON.stringify(payload));
    } catch (e) {
      this.debug(`op ${payload.op} not sent: ${(e as Error).message}`);
    }
  }

  private detachSocket(): WebSocket | null {
    const ws = this.socket;
    this.socket = null;
    if (ws) {
      ws.removeAllListeners('message');
      ws.removeAllListeners('close');
      ws.removeAllListeners('open');
      ws.on('close', () => {});
    }
    return ws;
  }

  private closeSocket(code: number, reason: string): void {
    const ws = this.detachSocket();
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) {
      ws.close(code, reason);
      // A zombie peer never answers the close frame; do not keep its socket around.
      setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
    } else {
      ws.terminate();
    }
  }
}
