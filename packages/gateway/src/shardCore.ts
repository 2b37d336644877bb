/**
 * The shard's state machine, with no I/O (ARCHITECTURE.md, "sans-IO cores"). It is fed inputs
 * (the socket opened, a payload arrived, a timer fired, the socket closed) and answers with
 * actions (connect to this URL, send this payload, start or cancel that timer, close with this
 * code, emit this event). The shell in shard.ts owns the socket and the clock; tests drive this
 * class directly with a fake clock.
 *
 * Protocol references: Discord docs "Gateway" (connection lifecycle, heartbeat interval with
 * first-beat jitter, resuming on resume_gateway_url, op 7, op 9 with a 1-5 s wait) and
 * research/anchors.md 1 and 1.1 (what other clients do; the resume-loop breaker).
 */
import {
  type ClosePolicy,
  decodeGatewayPayload,
  GatewayOpcodes,
  gatewayClosePolicy,
} from '@cordwire/opcodes';
import {
  type GatewayError,
  GatewayFatalCloseError,
  GatewayInboundError,
  GatewayReconnectLimitError,
  GatewayTimeoutError,
} from './errors.js';
import type { GatewayEncoding, TransportCompression } from './inbound.js';
import type { GatewayPayload, IdentifyProperties, PresenceUpdateData, ReadyData } from './payloads.js';
import { keepToken, tokenOf, withoutToken } from './botToken.js';
import { isSequence, isSessionId, webSocketUrlProblem } from './peerValues.js';
import { SendRateLimit } from './sendRateLimit.js';

/** What a session store keeps so that another connection (or process) can resume. */
export interface SessionInfo {
  readonly sessionId: string;
  readonly resumeGatewayUrl: string;
  readonly sequence: number;
  readonly shardId: number;
  readonly shardCount: number;
}

export type ShardTimer =
  | 'handshake'
  | 'hello'
  | 'ready'
  | 'heartbeat'
  | 'heartbeatReply'
  | 'reconnect'
  | 'sendQueue';
const CONNECTION_TIMERS: readonly ShardTimer[] = [
  'handshake',
  'hello',
  'ready',
  'heartbeat',
  'heartbeatReply',
  'sendQueue',
];

/**
 * Close code the client uses when it drops a connection it wants to resume (zombie, op 7, a
 * bad frame). Discord invalidates the session on 1000/1001, so those are kept for `stop()`.
 * 4000-4999 is the application range (RFC 6455 7.4.2).
 */
export const CLIENT_RECONNECT_CLOSE_CODE = 4900;

export type ShardState =
  | 'idle'
  | 'connecting'
  | 'waitingHello'
  | 'waitingIdentify'
  | 'identifying'
  | 'resuming'
  | 'ready'
  | 'reconnectWait'
  | 'fatal'
  | 'stopped';

export type ShardEvent =
  | { readonly type: 'connecting'; readonly url: string; readonly resume: boolean; readonly attempt: number }
  | { readonly type: 'hello'; readonly heartbeatIntervalMs: number }
  | { readonly type: 'ready'; readonly sessionId: string; readonly data: ReadyData }
  | { readonly type: 'resumed'; readonly sessionId: string; readonly replayed: number }
  | {
      readonly type: 'reconnecting';
      readonly delayMs: number;
      readonly resume: boolean;
      readonly reason: string;
    }
  | {
      readonly type: 'closed';
      readonly code: number;
      readonly reason: string;
      readonly policy: ClosePolicy;
      /** true when this client closed the connection (zombie, op 7, timeout, bad frame). */
      readonly byClient: boolean;
    }
  | {
      /** A new session replaces one that had events: whatever happened in between is lost. */
      readonly type: 'eventsMayHaveBeenMissed';
      readonly previousSessionId: string;
      readonly lastSequence: number;
      readonly reason: string;
    }
  | {
      /**
       * Within one session a dispatch arrived with a sequence beyond the next one: the events
       * `expected`..`got - 1` never arrived. Delivery goes on (the server does not resend them).
       */
      readonly type: 'sequenceGap';
      readonly expected: number;
      readonly got: number;
    }
  | {
      /** A user send (op 3, 4, 8, ...) that will never go out, and why. */
      readonly type: 'sendDropped';
      readonly op: number;
      /** queueFull: beyond `maxQueuedSends` the oldest queued send is dropped. */
      readonly reason: 'queueFull' | 'stopped' | 'fatal';
    }
  | { readonly type: 'heartbeat'; readonly latencyMs: number }
  | { readonly type: 'dispatch'; readonly t: string; readonly s: number; readonly d: unknown }
  | { readonly type: 'inboundError'; readonly error: GatewayInboundError }
  | { readonly type: 'timeout'; readonly error: GatewayTimeoutError }
  | { readonly type: 'fatal'; readonly error: GatewayError }
  | { readonly type: 'debug'; readonly message: string };

export type ShardAction =
  | { readonly type: 'connect'; readonly url: string; readonly conn: number }
  | { readonly type: 'send'; readonly payload: GatewayPayload }
  | { readonly type: 'close'; readonly code: number; readonly reason: string }
  | { readonly type: 'startTimer'; readonly timer: ShardTimer; readonly ms: number }
  | { readonly type: 'cancelTimer'; readonly timer: ShardTimer }
  | { readonly type: 'requestIdentify'; readonly conn: number }
  | { readonly type: 'saveSession'; readonly session: SessionInfo | null }
  | { readonly type: 'emit'; readonly event: ShardEvent };

export type ShardInput =
  | { readonly type: 'start'; readonly session?: SessionInfo | null }
  | { readonly type: 'open'; readonly conn: number }
  | { readonly type: 'payload'; readonly conn: number; readonly payload: GatewayPayload }
  | { readonly type: 'inboundError'; readonly conn: number; readonly error: GatewayInboundError }
  | { readonly type: 'closed'; readonly conn: number; readonly code: number; readonly reason: string }
  | { readonly type: 'timer'; readonly timer: ShardTimer }
  | { readonly type: 'identifyGranted'; readonly conn: number }
  | { readonly type: 'send'; readonly payload: GatewayPayload }
  | { readonly type: 'stop'; readonly resumable?: boolean };

export interface ShardCoreOptions {
  readonly token: string;
  readonly intents: number;
  readonly shardId?: number;
  readonly shardCount?: number;
  /** wss://gateway.discord.gg or what /gateway/bot returned; the query is added here. */
  readonly gatewayUrl: string;
  readonly version?: number;
  readonly encoding?: GatewayEncoding;
  readonly transportCompression?: TransportCompression;
  /** `compress: true` in IDENTIFY (whole-payload zlib); ignored when transport compression is on. */
  readonly payloadCompression?: boolean;
  readonly properties?: IdentifyProperties;
  readonly presence?: PresenceUpdateData;
  readonly largeThreshold?: number;
  readonly timeouts?: { readonly handshakeMs?: number; readonly helloMs?: number; readonly readyMs?: number };
  /** Range of the random wait after op 9 (docs: 1-5 s). */
  readonly invalidSessionDelayMs?: readonly [number, number];
  /**
   * Reconnect backoff. After a healthy connection (READY or RESUMED for at least one heartbeat
   * interval) the first retry waits up to `firstMs`; each connection in a row that ended before
   * it was healthy doubles the wait from `baseMs` up to `maxMs`, with jitter (half to all of it).
   */
  readonly backoff?: { readonly firstMs?: number; readonly baseMs?: number; readonly maxMs?: number };
  /**
   * HELLO heartbeat intervals below this are rejected (a typed inboundError and a reconnect).
   * Default 1000 ms; Discord sends about 41 s. Lower it only for tests against a fast emulator.
   */
  readonly minHeartbeatIntervalMs?: number;
  /**
   * Server reconnect requests (op 7) in a row, each on a connection that never became healthy,
   * before the shard stops with a GatewayReconnectLimitError. Default 10 (minutes of backoff).
   */
  readonly maxReconnectRequests?: number;
  /** Failed resumes in a row before the breaker starts a new session. */
  readonly maxResumeAttempts?: number;
  /** User sends waiting for the rate limit or for READY; beyond this the oldest is dropped. */
  readonly maxQueuedSends?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

export const defaultIdentifyProperties: IdentifyProperties = {
  os: process.platform,
  browser: 'cordwire',
  device: 'cordwire',
};

export class ShardCore {
  private stateValue: ShardState = 'idle';
  private conn = 0;
  private sessionValue: SessionInfo | null = null;
  private seq: number | null = null;
  private heartbeatIntervalMs = 0;
  private awaitingAck = false;
  private lastBeatAt = 0;
  /** Connections in a row that ended before they were healthy; drives the backoff. */
  private unhealthyEnds = 0;
  /** Op 7 requests in a row on connections that never became healthy. */
  private reconnectRequests = 0;
  /** When this connection became READY/RESUMED (null before). */
  private readyAt: number | null = null;
  /** An op 1 arrived that could not be answered at once without breaking the send limit. */
  private beatReplyPending = false;
  private failedResumes = 0;
  private replayed = 0;
  private connectAttempts = 0;
  private readonly queue: GatewayPayload[] = [];
  private readonly limiter = new SendRateLimit();
  private out: ShardAction[] = [];
  /** Counters for debugging and tests. */
  readonly stats = { duplicatesDropped: 0, gaps: 0, zombies: 0, sendsDropped: 0 };

  readonly shardId: number;
  readonly shardCount: number;
  private readonly now: () => number;
  private readonly random: () => number;

  /** The options without the token (botToken.ts: the token is never kept in a field). */
  private readonly options: Omit<ShardCoreOptions, 'token'>;

  constructor(options: ShardCoreOptions) {
    // A bad configured URL is the caller's mistake: say so now, not from a reconnect timer.
    const problem = webSocketUrlProblem(options.gatewayUrl);
    if (problem) throw new TypeError(`gatewayUrl ${problem}`);
    this.options = withoutToken(options);
    keepToken(this, options.token);
    this.shardId = options.shardId ?? 0;
    this.shardCount = options.shardCount ?? 1;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  get state(): ShardState {
    return this.stateValue;
  }

  /** The session to resume, with the latest sequence seen. */
  get session(): SessionInfo | null {
    if (!this.sessionValue) return null;
    return { ...this.sessionValue, sequence: this.seq ?? this.sessionValue.sequence };
  }

  get sequence(): number | null {
    return this.seq;
  }

  /** Feeds one input; returns what the shell must do, in order. */
  handle(input: ShardInput): ShardAction[] {
    this.out = [];
    switch (input.type) {
      case 'start':
        this.onStart(input.session ?? null);
        break;
      case 'open':
        if (input.conn === this.conn && this.stateValue === 'connecting') this.onOpen();
        break;
      case 'payload':
        if (input.conn === this.conn && this.isConnected()) this.onPayload(input.payload);
        break;
      case 'inboundError':
        if (input.conn === this.conn && this.isConnected()) {
          this.emit({ type: 'inboundError', error: input.error });
          this.dropConnection(`inbound frame rejected: ${input.error.code}`, true);
        }
        break;
      case 'closed':
        if (input.conn === this.conn && this.isLive()) this.onClosed(input.code, input.reason);
        break;
      case 'timer':
        this.onTimer(input.timer);
        break;
      case 'identifyGranted':
        if (input.conn === this.conn && this.stateValue === 'waitingIdentify') this.identify();
        break;
      case 'send':
        this.onUserSend(input.payload);
        break;
      case 'stop':
        this.onStop(input.resumable ?? false);
        break;
    }
    return this.out;
  }

  private isConnected(): boolean {
    return (
      this.stateValue === 'waitingHello' ||
      this.stateValue === 'waitingIdentify' ||
      this.stateValue === 'identifying' ||
      this.stateValue === 'resuming' ||
      this.stateValue === 'ready'
    );
  }

  private isLive(): boolean {
    return this.stateValue === 'connecting' || this.isConnected();
  }

  private emit(event: ShardEvent): void {
    this.out.push({ type: 'emit', event });
  }

  private debug(message: string): void {
    this.emit({ type: 'debug', message: `[shard ${this.shardId}] ${message}` });
  }

  private timer(timer: ShardTimer, ms: number): void {
    this.out.push({ type: 'startTimer', timer, ms: Math.max(0, Math.round(ms)) });
  }

  private cancel(timer: ShardTimer): void {
    this.out.push({ type: 'cancelTimer', timer });
  }

  private sendPriority(payload: GatewayPayload): void {
    this.limiter.recordPriority(this.now());
    this.out.push({ type: 'send', payload });
  }

  private gatewayUrl(base: string): string {
    const url = new URL(base);
    url.searchParams.set('v', String(this.options.version ?? 10));
    url.searchParams.set('encoding', this.options.encoding ?? 'json');
    const compression = this.options.transportCompression ?? 'none';
    if (compression !== 'none') url.searchParams.set('compress', compression);
    else url.searchParams.delete('compress');
    return url.toString();
  }

  private onStart(session: SessionInfo | null): void {
    if (this.stateValue !== 'idle' && this.stateValue !== 'stopped') return;
    const storedProblem = session ? storedSessionProblem(session) : undefined;
    if (storedProblem) this.debug(`ignoring the stored session: ${storedProblem}`);
    if (
      session &&
      !storedProblem &&
      session.shardId === this.shardId &&
      session.shardCount === this.shardCount
    ) {
      this.sessionValue = session;
      this.seq = session.sequence;
      this.debug(`starting with a stored session, seq ${session.sequence}`);
    }
    this.connect();
  }

  private connect(): void {
    this.conn++;
    this.connectAttempts++;
    this.stateValue = 'connecting';
    this.awaitingAck = false;
    this.beatReplyPending = false;
    this.readyAt = null;
    this.limiter.reset();
    const resume = this.sessionValue !== null;
    const url = this.gatewayUrl(resume ? this.sessionValue!.resumeGatewayUrl : this.options.gatewayUrl);
    this.emit({ type: 'connecting', url, resume, attempt: this.connectAttempts });
    this.out.push({ type: 'connect', url, conn: this.conn });
    this.timer('handshake', this.options.timeouts?.handshakeMs ?? 30_000);
  }

  private onOpen(): void {
    this.cancel('handshake');
    this.stateValue = 'waitingHello';
    this.timer('hello', this.options.timeouts?.helloMs ?? 20_000);
  }

  private onPayload(p: GatewayPayload): void {
    switch (p.op) {
      case GatewayOpcodes.HELLO:
        this.onHello(p.d);
        return;
      case GatewayOpcodes.HEARTBEAT:
        this.onHeartbeatRequest();
        return;
      case GatewayOpcodes.HEARTBEAT_ACK:
        if (this.awaitingAck) {
          this.awaitingAck = false;
          this.emit({ type: 'heartbeat', latencyMs: this.now() - this.lastBeatAt });
        }
        return;
      case GatewayOpcodes.RECONNECT:
        this.onReconnectRequest();
        return;
      case GatewayOpcodes.INVALID_SESSION:
        this.onInvalidSession(p.d === true);
        return;
      case GatewayOpcodes.DISPATCH:
        this.onDispatch(p);
        return;
      default:
        this.debug(`ignored op ${p.op}`);
    }
  }

  private onHello(d: unknown): void {
    if (this.stateValue !== 'waitingHello') return;
    // The catalog's decoder checks the shape (a finite number in (0, 2^31 - 1]: setTimeout
    // turns anything larger into 1 ms); the floor keeps a hostile or broken server from making
    // us beat every millisecond.
    const decoded = decodeGatewayPayload({ op: GatewayOpcodes.HELLO, d });
    const min = this.options.minHeartbeatIntervalMs ?? 1000;
    const interval = decoded.ok ? (d as { heartbeat_interval: number }).heartbeat_interval : Number.NaN;
    if (!decoded.ok || !(interval >= min)) {
      const why = decoded.ok ? `heartbeat_interval ${interval} is below ${min} ms` : decoded.error.message;
      this.emit({
        type: 'inboundError',
        error: new GatewayInboundError('GATEWAY_DECODE_FAILED', `malformed HELLO: ${why}`),
      });
      this.dropConnection('malformed HELLO', true);
      return;
    }
    this.cancel('hello');
    this.heartbeatIntervalMs = interval;
    this.limiter.setHeartbeatInterval(interval);
    this.emit({ type: 'hello', heartbeatIntervalMs: interval });
    // First beat after interval * jitter, so that shards reconnecting together spread out
    // (docs "Sending Heartbeats").
    this.timer('heartbeat', interval * this.random());
    if (this.sessionValue) {
      this.stateValue = 'resuming';
      this.replayed = 0;
      this.sendPriority({
        op: GatewayOpcodes.RESUME,
        d: { token: tokenOf(this), session_id: this.sessionValue.sessionId, seq: this.seq ?? 0 },
      });
      this.timer('ready', this.options.timeouts?.readyMs ?? 15_000);
    } else {
      this.stateValue = 'waitingIdentify';
      this.out.push({ type: 'requestIdentify', conn: this.conn });
    }
  }

  private identify(): void {
    const o = this.options;
    const compression = o.transportCompression ?? 'none';
    const d: Record<string, unknown> = {
      token: tokenOf(this),
      properties: o.properties ?? defaultIdentifyProperties,
      intents: o.intents,
      shard: [this.shardId, this.shardCount],
      compress: compression === 'none' && (o.payloadCompression ?? false),
    };
    if (o.largeThreshold !== undefined) d.large_threshold = o.largeThreshold;
    if (o.presence !== undefined) d.presence = o.presence;
    this.stateValue = 'identifying';
    this.seq = null;
    this.sendPriority({ op: GatewayOpcodes.IDENTIFY, d });
    this.timer('ready', o.timeouts?.readyMs ?? 15_000);
  }

  private onDispatch(p: GatewayPayload): void {
    const s = p.s;
    const t = p.t;
    if (typeof t !== 'string') return;
    // null/absent s: a dispatch outside the sequence; anything else must be a usable number.
    if (s !== null && s !== undefined && !isSequence(s)) {
      const shown = typeof s === 'number' ? String(s) : `a ${typeof s}`;
      this.protocolError(`dispatch ${t.slice(0, 64)} carries sequence ${shown}, not a safe integer >= 0`);
      return;
    }
    let ready: { sessionId: string; resumeGatewayUrl: string } | undefined;
    if (t === 'READY') {
      const d = p.d as Partial<Record<string, unknown>> | null | undefined;
      const urlProblem = webSocketUrlProblem(d?.resume_gateway_url);
      if (!isSessionId(d?.session_id) || urlProblem) {
        this.protocolError(
          `malformed READY: ${urlProblem ? `resume_gateway_url ${urlProblem}` : 'session_id is not a string of 1-256 characters'}`,
        );
        return;
      }
      ready = { sessionId: d.session_id, resumeGatewayUrl: d.resume_gateway_url as string };
    }
    if (typeof s === 'number') {
      if (this.seq !== null && s <= this.seq) {
        // A replay overlapping what we already delivered; delivering it again would be a duplicate.
        this.stats.duplicatesDropped++;
        return;
      }
      if (this.seq !== null && s > this.seq + 1 && t !== 'READY') {
        this.stats.gaps++;
        this.emit({ type: 'sequenceGap', expected: this.seq + 1, got: s });
      }
      this.seq = s;
    }
    if (ready) {
      this.sessionValue = {
        ...ready,
        sequence: this.seq ?? 0,
        shardId: this.shardId,
        shardCount: this.shardCount,
      };
      this.becomeReady();
      this.emit({ type: 'ready', sessionId: ready.sessionId, data: p.d as ReadyData });
    } else if (t === 'RESUMED' && this.stateValue === 'resuming') {
      this.becomeReady();
      this.emit({ type: 'resumed', sessionId: this.sessionValue!.sessionId, replayed: this.replayed });
    } else if (this.stateValue === 'resuming') {
      this.replayed++;
    }
    this.emit({ type: 'dispatch', t, s: typeof s === 'number' ? s : (this.seq ?? 0), d: p.d });
  }

  /** A value the server sent is unusable: a typed error, and this connection is replaced. */
  private protocolError(message: string): void {
    this.emit({ type: 'inboundError', error: new GatewayInboundError('GATEWAY_DECODE_FAILED', message) });
    this.dropConnection(message.startsWith('malformed READY') ? 'malformed READY' : 'protocol error', true);
  }

  /**
   * Op 1: the server wants a beat now (docs: "send a heartbeat immediately"). A storm of them
   * must not push us past the send limit (Discord closes with 4008), so a request that finds the
   * window full waits for a slot, and every request arriving meanwhile is answered by that one
   * beat: at most one reply is ever pending.
   */
  private onHeartbeatRequest(): void {
    if (this.beatReplyPending) return;
    const wait = this.limiter.requestedBeatWait(this.now());
    if (wait === 0) {
      this.sendPriority({ op: GatewayOpcodes.HEARTBEAT, d: this.seq });
      return;
    }
    this.beatReplyPending = true;
    this.timer('heartbeatReply', wait);
  }

  /**
   * Op 7. Discord sends it rarely (before a node restarts); a server that sends it on every
   * connection would have us reconnect a few times a second forever. A request on a connection
   * that was healthy reconnects at once; requests on unhealthy ones back off and, past the
   * bound, stop the shard with a typed error.
   */
  private onReconnectRequest(): void {
    this.debug('server asked to reconnect (op 7)');
    if (!this.isHealthy()) this.reconnectRequests++;
    const max = this.options.maxReconnectRequests ?? 10;
    if (this.reconnectRequests > max) {
      const error = new GatewayReconnectLimitError(this.reconnectRequests, this.shardId);
      this.closeSocket(CLIENT_RECONNECT_CLOSE_CODE, 'too many reconnect requests');
      this.emit({
        type: 'closed',
        code: CLIENT_RECONNECT_CLOSE_CODE,
        reason: 'too many reconnect requests',
        policy: 'fatal',
        byClient: true,
      });
      this.stateValue = 'fatal';
      this.cancel('reconnect');
      // The session stays stored: a later start (after whatever is wrong is fixed) may resume it.
      if (this.sessionValue) this.out.push({ type: 'saveSession', session: this.session });
      this.emit({ type: 'fatal', error });
      return;
    }
    this.dropConnection('op 7 reconnect', false);
  }

  /** READY or RESUMED for at least one heartbeat interval: the connection proved it works. */
  private isHealthy(): boolean {
    return (
      this.stateValue === 'ready' &&
      this.readyAt !== null &&
      this.now() - this.readyAt >= Math.max(1, this.heartbeatIntervalMs)
    );
  }

  /** Books the end of the current connection for the backoff (before the state changes). */
  private connectionEnded(): void {
    if (this.isHealthy()) {
      this.unhealthyEnds = 0;
      this.reconnectRequests = 0;
    } else {
      this.unhealthyEnds++;
    }
    this.readyAt = null;
  }

  private becomeReady(): void {
    this.stateValue = 'ready';
    this.readyAt = this.now();
    this.failedResumes = 0;
    this.cancel('ready');
    this.out.push({ type: 'saveSession', session: this.session });
    this.flushQueue();
  }

  private onInvalidSession(resumable: boolean): void {
    const [min, max] = this.options.invalidSessionDelayMs ?? [1000, 5000];
    if (this.stateValue === 'resuming') this.failedResumes++;
    this.connectionEnded();
    // The docs' 1-5 s, or the backoff when connections keep ending before they are healthy: a
    // server answering every IDENTIFY with op 9 would otherwise burn a session start (1000 a
    // day) every few seconds.
    const delay = Math.max(min + (max - min) * this.random(), this.backoffDelay());
    if (!resumable || !this.sessionValue || this.breakerOpen()) {
      this.forgetSession(resumable ? 'resume attempts exhausted' : 'invalid session (op 9, not resumable)');
    }
    this.debug(`invalid session (op 9, resumable: ${resumable}); reconnecting in ${Math.round(delay)} ms`);
    this.closeSocket(CLIENT_RECONNECT_CLOSE_CODE, 'invalid session');
    this.scheduleReconnect(delay, 'invalid session');
  }

  private breakerOpen(): boolean {
    return this.failedResumes >= (this.options.maxResumeAttempts ?? 3);
  }

  /** Ends the session; if it had delivered events, says so explicitly. */
  private forgetSession(reason: string): void {
    const old = this.sessionValue;
    if (old) {
      this.emit({
        type: 'eventsMayHaveBeenMissed',
        previousSessionId: old.sessionId,
        lastSequence: this.seq ?? old.sequence,
        reason,
      });
    }
    this.sessionValue = null;
    this.seq = null;
    this.failedResumes = 0;
    this.out.push({ type: 'saveSession', session: null });
  }

  private cancelConnectionTimers(): void {
    for (const t of CONNECTION_TIMERS) this.cancel(t);
  }

  private closeSocket(code: number, reason: string): void {
    this.cancelConnectionTimers();
    this.out.push({ type: 'close', code, reason });
    // Whatever the old socket still says is stale from here on.
    this.conn++;
  }

  /** The client drops the connection and reconnects, resuming if it has a session. */
  private dropConnection(reason: string, failure: boolean): void {
    const wasResuming = this.stateValue === 'resuming';
    // A failure (bad frame, timeout) always counts against the connection; a drop the protocol
    // asks for (zombie, op 7) counts only when the connection was not healthy.
    if (failure) {
      this.unhealthyEnds++;
      this.readyAt = null;
    } else {
      this.connectionEnded();
    }
    this.closeSocket(CLIENT_RECONNECT_CLOSE_CODE, reason);
    this.emit({
      type: 'closed',
      code: CLIENT_RECONNECT_CLOSE_CODE,
      reason,
      policy: this.sessionValue ? 'resume' : 'newSession',
      byClient: true,
    });
    if (wasResuming) {
      this.failedResumes++;
      if (this.breakerOpen()) this.forgetSession('resume attempts exhausted');
    }
    if (this.sessionValue) this.out.push({ type: 'saveSession', session: this.session });
    this.scheduleReconnect(undefined, reason);
  }

  private onClosed(code: number, reason: string): void {
    const wasResuming = this.stateValue === 'resuming';
    this.connectionEnded();
    this.cancelConnectionTimers();
    this.conn++;
    const policy = gatewayClosePolicy(code);
    this.emit({ type: 'closed', code, reason, policy, byClient: false });
    if (policy === 'fatal') {
      this.stateValue = 'fatal';
      this.cancel('reconnect');
      const error = new GatewayFatalCloseError(code, reason, this.shardId);
      this.emit({ type: 'fatal', error });
      return;
    }
    if (policy === 'newSession' || policy === 'rejoin') {
      this.forgetSession(`closed with ${code}`);
    } else if (wasResuming) {
      this.failedResumes++;
      if (this.breakerOpen()) this.forgetSession('resume attempts exhausted');
    }
    if (this.sessionValue) this.out.push({ type: 'saveSession', session: this.session });
    this.scheduleReconnect(undefined, `closed with ${code}`);
  }

  /** Jittered exponential wait for the unhealthy connections in a row so far (0 when none). */
  private backoffDelay(): number {
    if (this.unhealthyEnds === 0) return 0;
    const b = this.options.backoff ?? {};
    const raw = Math.min(b.maxMs ?? 60_000, (b.baseMs ?? 1000) * 2 ** Math.min(30, this.unhealthyEnds - 1));
    return raw * (0.5 + this.random() / 2);
  }

  private scheduleReconnect(delayMs: number | undefined, reason: string): void {
    let delay = delayMs;
    if (delay === undefined) {
      // After a healthy connection come back quickly, with a little jitter so a fleet of shards
      // dropped together does not reconnect in lockstep.
      delay =
        this.unhealthyEnds === 0
          ? (this.options.backoff?.firstMs ?? 500) * this.random()
          : this.backoffDelay();
    }
    this.stateValue = 'reconnectWait';
    this.emit({
      type: 'reconnecting',
      delayMs: Math.round(delay),
      resume: this.sessionValue !== null,
      reason,
    });
    this.timer('reconnect', delay);
  }

  private onTimer(timer: ShardTimer): void {
    switch (timer) {
      case 'reconnect':
        if (this.stateValue === 'reconnectWait') this.connect();
        return;
      case 'handshake':
        if (this.stateValue === 'connecting')
          this.timedOut('handshake', this.options.timeouts?.handshakeMs ?? 30_000);
        return;
      case 'hello':
        if (this.stateValue === 'waitingHello')
          this.timedOut('hello', this.options.timeouts?.helloMs ?? 20_000);
        return;
      case 'ready':
        if (this.stateValue === 'identifying' || this.stateValue === 'resuming') {
          this.timedOut('ready', this.options.timeouts?.readyMs ?? 15_000);
        }
        return;
      case 'heartbeat':
        if (this.isConnected() && this.stateValue !== 'waitingHello') this.beat();
        return;
      case 'sendQueue':
        if (this.stateValue === 'ready') this.flushQueue();
        return;
      case 'heartbeatReply':
        if (this.beatReplyPending && this.isConnected()) {
          this.beatReplyPending = false;
          this.sendPriority({ op: GatewayOpcodes.HEARTBEAT, d: this.seq });
        }
        return;
    }
  }

  private timedOut(stage: 'handshake' | 'hello' | 'ready', ms: number): void {
    this.emit({ type: 'timeout', error: new GatewayTimeoutError(stage, ms) });
    this.dropConnection(`${stage} timeout`, true);
  }

  private beat(): void {
    if (this.awaitingAck) {
      // No ACK for the previous beat: the connection is a zombie (docs "Heartbeat Interval").
      this.stats.zombies++;
      this.debug('no heartbeat ACK since the last beat; reconnecting');
      this.dropConnection('zombie connection (no heartbeat ACK)', false);
      return;
    }
    if (this.beatReplyPending) {
      // This beat answers the pending op 1 too.
      this.beatReplyPending = false;
      this.cancel('heartbeatReply');
    }
    this.awaitingAck = true;
    this.lastBeatAt = this.now();
    this.sendPriority({ op: GatewayOpcodes.HEARTBEAT, d: this.seq });
    this.timer('heartbeat', this.heartbeatIntervalMs);
  }

  private onUserSend(payload: GatewayPayload): void {
    if (this.stateValue === 'fatal' || this.stateValue === 'stopped') {
      this.stats.sendsDropped++;
      this.emit({ type: 'sendDropped', op: payload.op, reason: this.stateValue });
      return;
    }
    this.queue.push(payload);
    if (this.queue.length > (this.options.maxQueuedSends ?? 1000)) {
      const dropped = this.queue.shift()!;
      this.stats.sendsDropped++;
      this.emit({ type: 'sendDropped', op: dropped.op, reason: 'queueFull' });
    }
    if (this.stateValue === 'ready') this.flushQueue();
  }

  private flushQueue(): void {
    while (this.queue.length > 0) {
      const wait = this.limiter.tryUserSend(this.now());
      if (wait > 0) {
        this.timer('sendQueue', wait);
        return;
      }
      this.out.push({ type: 'send', payload: this.queue.shift()! });
    }
  }

  private onStop(resumable: boolean): void {
    if (this.stateValue === 'stopped') return;
    const live = this.isLive();
    this.cancelConnectionTimers();
    this.cancel('reconnect');
    if (live) {
      // 1000 tells Discord the session is over; a resumable stop keeps it for a later process.
      this.out.push({
        type: 'close',
        code: resumable ? CLIENT_RECONNECT_CLOSE_CODE : 1000,
        reason: resumable ? 'stopping, will resume' : 'stopping',
      });
    }
    this.conn++;
    this.stateValue = 'stopped';
    if (resumable && this.sessionValue) {
      this.out.push({ type: 'saveSession', session: this.session });
    } else {
      this.sessionValue = null;
      this.seq = null;
      this.out.push({ type: 'saveSession', session: null });
    }
  }
}

/** Why a session from a store cannot be resumed (it came from a server once), or undefined. */
function storedSessionProblem(session: SessionInfo): string | undefined {
  const url = webSocketUrlProblem(session.resumeGatewayUrl);
  if (url) return `resumeGatewayUrl ${url}`;
  if (!isSessionId(session.sessionId)) return 'sessionId is not a string of 1-256 characters';
  if (!isSequence(session.sequence)) return 'sequence is not a safe integer >= 0';
  return undefined;
}
