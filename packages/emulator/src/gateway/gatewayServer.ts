/**
 * The emulated main gateway (docs topics/gateway, topics/opcodes-and-status-codes): connection
 * lifecycle, IDENTIFY/RESUME validation with Discord's close codes, sessions, dispatch routing
 * by shard and intents, voice state updates, and the faults the control handle injects.
 */
import { randomBytes } from 'node:crypto';
import { GatewayOpcodes, gatewayClosePolicy, PRIVILEGED_INTENTS_MASK } from '@cordwire/opcodes';
import type { WebSocket } from 'ws';
import type { EmulatorClock } from '../clock.js';
import { GatewayConnection, type InboundPayload } from './gatewayConnection.js';
import { everyoneOnline, guildCreatePayload, type PresenceLookup, readyPayload } from './guildPayloads.js';
import {
  isObject,
  isSnowflake,
  parseIdentify,
  parseResume,
  tokenMatches,
  truncateUtf8,
} from './handshake.js';
import { IdentifyQueue } from './identifyQueue.js';
import { redactForSession, sessionReceives } from './intents.js';
import { memberChunks, parseMemberRequest } from './requestGuildMembers.js';
import type { VoiceJoins } from '../voiceJoins.js';
import type { World } from '../world/index.js';
import type { SendLimit } from './sendRateLimit.js';
import { type Encoding, Session } from './session.js';
import type { SessionStartLimit } from './sessionStartLimit.js';
import { shardForGuild } from './shardRouting.js';
import { isVoiceChannelType, parseVoiceStateUpdate } from './voiceStateUpdate.js';
import type { CompressMode, ZstdFraming } from './transportCompression.js';
import type { GatewayTarget } from './upgrade.js';

export interface GatewayConfig {
  token: string;
  clock: EmulatorClock;
  maxConcurrency: number;
  identifyIntervalMs: number;
  /** 'queue' holds an early IDENTIFY until its bucket is free; 'refuse' closes it with 4008. */
  identifyPolicy: 'queue' | 'refuse';
  heartbeatIntervalMs: number;
  /** How long past the interval a heartbeat may be late before 4009 (covers first-beat jitter). */
  heartbeatGraceMs: number;
  sessionTimeoutMs: number;
  replayBufferSize: number;
  allowedIntents: number;
  requireSharding: number;
  sendLimit: SendLimit;
  memberChunkSize: number;
  /** Dispatches kept per session for `received()` (what the bot was sent), oldest dropped first. */
  receivedLogSize: number;
  /** IDENTIFYs left in the window; enforced at IDENTIFY, reported by /gateway/bot. */
  sessionStartLimit: SessionStartLimit;
  /** How long a connection sent op 7 may stay before the emulator closes it with 4000. */
  reconnectGraceMs: number;
  zstdFraming: ZstdFraming;
  /** Concurrent gateway connections; upgrades beyond are refused with HTTP 503. */
  maxConnections: number;
  /** Connections upgrading or not yet identified/resumed; upgrades beyond are refused with 503. */
  maxPendingHandshakes: number;
  /** How long a connection may stay unidentified after HELLO (or after op 9) before 4009. */
  identifyTimeoutMs: number;
  /** Path of `resume_gateway_url`, so a test can see which URL a client resumed on. */
  resumePath: string;
  log: (line: string) => void;
}

export interface SessionInfo {
  sessionId: string;
  shard: [number, number];
  seq: number;
  connected: boolean;
  intents: number;
  encoding: Encoding;
  compress: CompressMode;
}

/** One RESUME the gateway accepted, and whether it arrived through `resume_gateway_url`. */
export interface ResumeRecord {
  sessionId: string;
  /** The request path of the connection that resumed. */
  path: string;
  viaResumeGatewayUrl: boolean;
}

export interface DispatchTarget {
  guildId?: string;
  sessionId?: string;
}

/** Client opcodes the emulator understands; any other op is 4001 (docs: opcodes "Send" column). */
const ACCEPTED_OPS: ReadonlySet<number> = new Set([
  GatewayOpcodes.HEARTBEAT,
  GatewayOpcodes.IDENTIFY,
  GatewayOpcodes.PRESENCE_UPDATE,
  GatewayOpcodes.VOICE_STATE_UPDATE,
  GatewayOpcodes.RESUME,
  GatewayOpcodes.REQUEST_GUILD_MEMBERS,
  GatewayOpcodes.REQUEST_SOUNDBOARD_SOUNDS,
]);

/** Gateway versions Discord still serves (docs reference "API Versioning": 10 and 9 available). */
const SUPPORTED_VERSIONS: ReadonlySet<number> = new Set([9, 10]);

const _MESSAGE_CONTENT_EVENTS: ReadonlySet<string> = new Set(['MESSAGE_CREATE', 'MESSAGE_UPDATE']);

export class GatewayServer {
  readonly sessions = new Map<string, Session>();
  readonly connections = new Set<GatewayConnection>();
  readonly identifies: Array<{ shard: [number, number]; at: number }> = [];
  readonly refusedIdentifies: Array<{ shard: [number, number]; at: number }> = [];
  readonly resumes: ResumeRecord[] = [];
  frameDelayMs = 0;
  identifiesSinceStart = 0;
  /** Upgrades admitted by `admit()` whose WebSocket handshake has not completed yet. */
  upgrading = 0;
  /** Upgrades refused by the connection caps since start. */
  refusedUpgrades = 0;
  /** Who is online, for GUILD_CREATE presences. */
  presence: PresenceLookup = everyoneOnline;
  private readonly identifyQueue: IdentifyQueue;
  private closed = false;

  constructor(
    private readonly config: GatewayConfig,
    readonly world: World,
    private readonly resumeGatewayUrl: () => string,
    private readonly voiceJoins: VoiceJoins,
  ) {
    this.identifyQueue = new IdentifyQueue(config.maxConcurrency, config.identifyIntervalMs, config.clock);
  }

  /** Connections that have not identified or resumed yet, plus upgrades in progress. */
  pendingHandshakes(): number {
    let n = this.upgrading;
    for (const c of this.connections) if (c.state === 'new' && !c.closing) n += 1;
    return n;
  }

  /**
   * Whether one more upgrade fits under the caps; a reason when it does not. Discord documents
   * no such limit; the caps bound the emulator's memory under a flood of connects.
   */
  admit(): string | undefined {
    if (this.closed) return 'the emulator is closing';
    if (this.connections.size + this.upgrading >= this.config.maxConnections) {
      this.refusedUpgrades += 1;
      return `at most ${this.config.maxConnections} gateway connections`;
    }
    if (this.pendingHandshakes() >= this.config.maxPendingHandshakes) {
      this.refusedUpgrades += 1;
      return `at most ${this.config.maxPendingHandshakes} connections may be waiting to identify`;
    }
    return undefined;
  }

  /** Takes an upgraded socket; validates the query, then sends HELLO. */
  accept(ws: WebSocket, target: GatewayTarget): void {
    if (this.closed) {
      ws.terminate();
      return;
    }
    const v = Number(target.query.get('v'));
    const encoding = target.query.get('encoding') ?? 'json';
    const compress = target.query.get('compress');
    ws.on('error', (err) => this.config.log(`socket error: ${err.message}`));

    const refuse = (code: number, reason: string) => {
      this.config.log(`refused a connection: ${reason} (${code})`);
      ws.close(code, reason);
    };
    if (!SUPPORTED_VERSIONS.has(v)) {
      refuse(4012, 'invalid API version');
      return;
    }
    if (encoding !== 'json' && encoding !== 'etf') {
      refuse(4002, 'unknown encoding');
      return;
    }
    if (compress !== null && compress !== 'zlib-stream' && compress !== 'zstd-stream') {
      refuse(4002, 'unknown compression');
      return;
    }

    const conn = new GatewayConnection(
      ws,
      v,
      encoding,
      compress ?? 'none',
      this.config.clock,
      this.config.sendLimit,
      () => this.frameDelayMs,
      this.config.log,
      this.config.zstdFraming,
      target.path,
    );
    this.connections.add(conn);
    ws.on('message', (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      this.onMessage(conn, buf, isBinary);
    });
    ws.on('close', (code) => this.onClose(conn, code));

    conn.send({
      op: GatewayOpcodes.HELLO,
      d: { heartbeat_interval: this.config.heartbeatIntervalMs, _trace: ['["cordwire-emulator",{}]'] },
      s: null,
      t: null,
    });
    this.armHeartbeat(conn);
    this.armIdentifyDeadline(conn);
    this.config.log(`connection ${conn.id}: hello (v${v}, ${encoding}, ${conn.transport})`);
  }

  // ---- inbound -------------------------------------------------------------------------------

  private onMessage(conn: GatewayConnection, data: Buffer, isBinary: boolean): void {
    if (conn.closing) return;
    try {
      if (!conn.rate.take()) {
        this.closeConn(conn, 4008, 'rate limited');
        return;
      }
      const decoded = conn.decode(data, isBinary);
      if (!decoded.ok) {
        this.closeConn(conn, 4002, decoded.reason);
        return;
      }
      this.onPayload(conn, decoded.payload);
    } catch (err) {
      // A handler bug must cost one connection, never the emulator.
      this.config.log(`connection ${conn.id}: internal error: ${err instanceof Error ? err.message : err}`);
      this.closeConn(conn, 4000, 'unknown error');
    }
  }

  private onPayload(conn: GatewayConnection, p: InboundPayload): void {
    if (!ACCEPTED_OPS.has(p.op)) {
      this.closeConn(conn, 4001, `unknown opcode ${p.op}`);
      return;
    }
    switch (p.op) {
      case GatewayOpcodes.HEARTBEAT:
        this.onHeartbeat(conn, p.d);
        return;
      case GatewayOpcodes.IDENTIFY:
        this.onIdentify(conn, p.d);
        return;
      case GatewayOpcodes.RESUME:
        this.onResume(conn, p.d);
        return;
    }
    if (conn.state !== 'ready' || !conn.session) {
      this.closeConn(conn, 4003, 'not authenticated');
      return;
    }
    switch (p.op) {
      case GatewayOpcodes.VOICE_STATE_UPDATE:
        this.onVoiceStateUpdate(conn, conn.session, p.d);
        return;
      case GatewayOpcodes.REQUEST_GUILD_MEMBERS:
        this.onRequestGuildMembers(conn, conn.session, p.d);
        return;
      case GatewayOpcodes.PRESENCE_UPDATE:
        if (!isObject(p.d)) {
          this.closeConn(conn, 4001, 'invalid presence update');
          return;
        }
        return;
      default:
        return;
    }
  }

  private armHeartbeat(conn: GatewayConnection): void {
    conn.armHeartbeatDeadline(this.config.heartbeatIntervalMs + this.config.heartbeatGraceMs, () => {
      this.config.log(`connection ${conn.id}: no heartbeat in time`);
      // 4009: the session timed out and cannot be resumed (policy newSession).
      this.closeConn(conn, 4009, 'session timed out');
    });
  }

  /**
   * A connection must IDENTIFY or RESUME within `identifyTimeoutMs` of HELLO (or of an op 9 that
   * sent it back to that state); otherwise it would hold a handshake slot for as long as it
   * heartbeats. Discord documents no such deadline; 4009 (session timed out) tells a client to
   * start over.
   */
  private armIdentifyDeadline(conn: GatewayConnection): void {
    conn.armIdentifyDeadline(this.config.identifyTimeoutMs, () => {
      if (conn.state !== 'new') return;
      this.config.log(`connection ${conn.id}: no identify within ${this.config.identifyTimeoutMs} ms`);
      this.closeConn(conn, 4009, 'identify timed out');
    });
  }

  private onHeartbeat(conn: GatewayConnection, d: unknown): void {
    if (d !== null && d !== undefined && !(typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
      this.closeConn(conn, 4001, 'heartbeat d must be the last seq or null');
      return;
    }
    this.armHeartbeat(conn);
    if (conn.ackHeartbeats) conn.send({ op: GatewayOpcodes.HEARTBEAT_ACK, d: null, s: null, t: null });
  }

  private onIdentify(conn: GatewayConnection, d: unknown): void {
    if (conn.state !== 'new') {
      this.closeConn(conn, 4005, 'already authenticated');
      return;
    }
    const request = parseIdentify(d);
    if (!request.ok) {
      this.closeConn(conn, request.code, request.reason);
      return;
    }
    if (!tokenMatches(request.token, this.config.token)) {
      this.closeConn(conn, 4004, 'authentication failed');
      return;
    }
    const { shard, intents } = request;
    if ((intents & PRIVILEGED_INTENTS_MASK & ~this.config.allowedIntents) !== 0) {
      this.closeConn(conn, 4014, 'disallowed intent(s)');
      return;
    }
    const guildIds = this.guildsForShard(shard);
    if (guildIds.length > this.config.requireSharding) {
      this.closeConn(conn, 4011, 'sharding required');
      return;
    }

    if (!this.config.sessionStartLimit.take()) {
      this.sessionStartLimitReached(conn);
      return;
    }

    const compress = request.compress;
    if (this.config.identifyPolicy === 'refuse') {
      if (!this.identifyQueue.tryTake(shard[0])) {
        this.refusedIdentifies.push({ shard, at: this.config.clock.now() });
        this.closeConn(conn, 4008, 'identify rate limited (max_concurrency bucket busy)');
        return;
      }
      conn.state = 'identifying';
      conn.invalidatedSession = null;
      this.startSession(conn, shard, intents, compress, guildIds, this.config.clock.now());
      return;
    }
    conn.state = 'identifying';
    conn.invalidatedSession = null;
    this.config.log(`connection ${conn.id}: identify for shard [${shard[0]}, ${shard[1]}] queued`);
    conn.cancelIdentify = this.identifyQueue.enqueue(shard[0], (acceptedAt) => {
      conn.cancelIdentify = undefined;
      if (conn.closing) return;
      this.startSession(conn, shard, intents, compress, guildIds, acceptedAt);
    });
  }

  /**
   * An IDENTIFY with no session start left. Discord documents the consequence (topics/gateway
   * "Identifying", "Session Start Limit"): every active session of the app is terminated and the
   * token is reset. It documents no close code; we use 4004 (authentication failed), the code a
   * client sees with a reset token, whose policy is fatal, so a client stops instead of burning
   * more identifies. The emulator keeps its token (tests hold it), so IDENTIFY works again once
   * `reset_after` has passed.
   */
  private sessionStartLimitReached(conn: GatewayConnection): void {
    const info = this.config.sessionStartLimit.info();
    this.config.log(
      `connection ${conn.id}: session start limit of ${info.total} reached (resets in ${info.reset_after} ms); terminating every session`,
    );
    this.closeConn(conn, 4004, 'session start limit reached');
    for (const other of this.connections) {
      if (other !== conn && other.session !== null)
        this.closeConn(other, 4004, 'session start limit reached');
    }
    for (const session of [...this.sessions.values()]) this.destroySession(session);
  }

  private startSession(
    conn: GatewayConnection,
    shard: [number, number],
    intents: number,
    compress: boolean,
    guildIds: string[],
    acceptedAt: number,
  ): void {
    this.identifies.push({ shard, at: acceptedAt });
    this.identifiesSinceStart += 1;
    if (compress) conn.usePayloadCompression();
    const session = new Session(
      randomBytes(16).toString('hex'),
      shard,
      intents,
      this.world.bot.id,
      conn.encoding,
      conn.compress,
      this.config.replayBufferSize,
      this.config.receivedLogSize,
    );
    this.sessions.set(session.id, session);
    this.attach(conn, session);
    this.config.log(`session ${session.id}: ready on shard [${shard[0]}, ${shard[1]}]`);
    const ready = readyPayload({
      world: this.world,
      apiVersion: conn.apiVersion,
      sessionId: session.id,
      resumeGatewayUrl: this.resumeGatewayUrl(),
      shard,
      guildIds,
    });
    // READY takes a seq but is not replayable: a resumed session must not see READY again.
    const readySeq = session.nextSeq();
    session.logReceived({ s: readySeq, t: 'READY', d: ready });
    conn.send({ op: GatewayOpcodes.DISPATCH, t: 'READY', s: readySeq, d: ready });
    for (const id of guildIds) {
      const guild = this.world.guilds.get(id)!;
      this.deliver(
        session,
        'GUILD_CREATE',
        guildCreatePayload(guild, this.world, intents, this.presence),
        true,
      );
    }
  }

  private onResume(conn: GatewayConnection, d: unknown): void {
    if (conn.state !== 'new') {
      this.closeConn(conn, 4005, 'already authenticated');
      return;
    }
    const request = parseResume(d);
    if (!request.ok) {
      this.closeConn(conn, request.code, request.reason);
      return;
    }
    if (!tokenMatches(request.token, this.config.token)) {
      this.closeConn(conn, 4004, 'authentication failed');
      return;
    }
    const session = this.sessions.get(request.sessionId);
    if (!session) {
      this.config.log(`connection ${conn.id}: resume of an unknown or expired session`);
      conn.send({ op: GatewayOpcodes.INVALID_SESSION, d: false, s: null, t: null });
      return;
    }
    const replay = session.replayAfter(request.seq ?? 0);
    if (replay === 'ahead') {
      this.closeConn(conn, 4007, 'invalid seq');
      return;
    }
    if (replay === 'evicted') {
      this.config.log(
        `session ${session.id}: resume from seq ${request.seq} is older than the replay buffer`,
      );
      this.destroySession(session);
      conn.send({ op: GatewayOpcodes.INVALID_SESSION, d: false, s: null, t: null });
      return;
    }
    this.attach(conn, session);
    this.resumes.push({
      sessionId: session.id,
      path: conn.path,
      viaResumeGatewayUrl: conn.path === this.config.resumePath,
    });
    for (const ev of replay) conn.send({ op: GatewayOpcodes.DISPATCH, t: ev.t, s: ev.s, d: ev.d });
    conn.send({ op: GatewayOpcodes.DISPATCH, t: 'RESUMED', s: session.nextSeq(), d: { _trace: [] } });
    this.config.log(`session ${session.id}: resumed, replayed ${replay.length}`);
  }

  private attach(conn: GatewayConnection, session: Session): void {
    // A session has at most one connection; a resume takes it over from a stale one.
    for (const other of this.connections) {
      if (other !== conn && other.session === session) {
        other.session = null;
        other.close(1000, 'session resumed on another connection', false);
      }
    }
    if (session.expiryTimer !== undefined) this.config.clock.clearTimeout(session.expiryTimer);
    session.expiryTimer = undefined;
    session.connected = true;
    session.encoding = conn.encoding;
    session.compress = conn.compress;
    conn.session = session;
    conn.invalidatedSession = null;
    conn.state = 'ready';
    conn.clearIdentifyDeadline();
  }

  private onClose(conn: GatewayConnection, code: number): void {
    const serverDecided = conn.closing;
    conn.dispose();
    this.connections.delete(conn);
    const session = conn.session;
    conn.session = null;
    if (!session) return;
    session.connected = false;
    // A client closing with 1000/1001 ends its session (docs topics/gateway "Disconnecting").
    const keep = serverDecided ? conn.keepSessionOnClose : code !== 1000 && code !== 1001;
    if (!keep || this.closed) {
      this.destroySession(session);
      return;
    }
    this.armExpiry(session);
  }

  /** A session without a connection stays resumable for `sessionTimeoutMs`. */
  private armExpiry(session: Session): void {
    if (session.expiryTimer !== undefined) this.config.clock.clearTimeout(session.expiryTimer);
    session.expiryTimer = this.config.clock.setTimeout(() => {
      this.config.log(`session ${session.id}: expired`);
      this.destroySession(session);
    }, this.config.sessionTimeoutMs);
  }

  private destroySession(session: Session): void {
    if (!this.sessions.delete(session.id)) return;
    if (session.expiryTimer !== undefined) this.config.clock.clearTimeout(session.expiryTimer);
    session.expiryTimer = undefined;
    for (const conn of this.connections) {
      if (conn.invalidatedSession === session) conn.invalidatedSession = null;
      if (conn.session === session) {
        conn.session = null;
        conn.state = 'new';
        if (!conn.closing) this.armIdentifyDeadline(conn);
      }
    }
    // Its voice states end with it, as they do when a Discord session dies.
    this.voiceJoins.endSession(session.id);
  }

  // ---- voice ---------------------------------------------------------------------------------

  /**
   * Op 4 from the bot: the world takes the voice state (VOICE_STATE_UPDATE to every session that
   * sees the guild), then VOICE_SERVER_UPDATE with the seat the voice provider allocated goes to
   * the requesting session only.
   */
  private onVoiceStateUpdate(conn: GatewayConnection, session: Session, d: unknown): void {
    const request = parseVoiceStateUpdate(d);
    if (!request) {
      this.closeConn(conn, 4001, 'invalid voice state update');
      return;
    }
    const { guildId, channelId } = request;
    const guild = this.world.guilds.get(guildId);
    if (!guild || shardForGuild(guild.id, session.shard[1]) !== session.shard[0]) {
      this.config.log(`session ${session.id}: voice state update for a guild not on this shard, ignored`);
      return;
    }
    const channel = channelId === null ? undefined : guild.channels.get(channelId);
    if (channelId !== null && !(channel && isVoiceChannelType(channel.type))) {
      this.config.log(`session ${session.id}: voice state update for a non-voice channel, ignored`);
      return;
    }
    this.voiceJoins
      .update({
        guildId,
        userId: this.world.bot.id,
        sessionId: session.id,
        channelId,
        selfMute: request.selfMute,
        selfDeaf: request.selfDeaf,
      })
      .then((server) => {
        if (!server || !this.sessions.has(session.id)) return;
        this.dispatch(
          'VOICE_SERVER_UPDATE',
          { token: server.token, guild_id: guildId, endpoint: server.endpoint },
          { guildId, sessionId: session.id },
        );
      })
      .catch((err: unknown) => {
        this.config.log(`voice state update failed: ${err instanceof Error ? err.message : String(err)}`);
      });
  }

  // ---- request guild members (op 8) ------------------------------------------------------------

  private onRequestGuildMembers(conn: GatewayConnection, session: Session, d: unknown): void {
    const request = parseMemberRequest(d);
    if (!request) {
      this.closeConn(conn, 4001, 'invalid request guild members');
      return;
    }
    const guild = this.world.guilds.get(request.guildId);
    if (!guild || shardForGuild(guild.id, session.shard[1]) !== session.shard[0]) return;
    for (const chunk of memberChunks(request, guild.members, this.config.memberChunkSize)) {
      this.deliver(session, 'GUILD_MEMBERS_CHUNK', chunk, true);
    }
  }

  // ---- outbound ------------------------------------------------------------------------------

  /** Sends a dispatch to one session with the next seq, keeping it for replay. */
  deliver(session: Session, t: string, d: unknown, record: boolean): void {
    const s = session.nextSeq();
    if (record) session.record({ s, t, d });
    session.logReceived({ s, t, d });
    if (!session.connected) return;
    for (const conn of this.connections) {
      if (conn.session === session) conn.send({ op: GatewayOpcodes.DISPATCH, t, s, d });
    }
  }

  /**
   * Routes a dispatch like Discord: a guild's events go to the shard `(guild_id >> 22) % count`,
   * DMs and guildless events to shard 0; sessions without the event's intent are skipped; guild
   * messages lose their content without MESSAGE_CONTENT. Disconnected sessions that can still
   * resume receive it too, into their replay buffer. Returns how many sessions got it.
   */
  dispatch(event: string, data: unknown, target: DispatchTarget = {}): number {
    const guildId =
      target.guildId ??
      (isObject(data) && isSnowflake(data.guild_id) ? (data.guild_id as string) : undefined);
    let delivered = 0;
    for (const session of this.sessions.values()) {
      if (target.sessionId !== undefined && session.id !== target.sessionId) continue;
      const shard = guildId === undefined ? 0 : shardForGuild(guildId, session.shard[1]);
      if (target.sessionId === undefined && shard !== session.shard[0]) continue;
      if (!sessionReceives(session.intents, event, guildId !== undefined)) continue;
      this.deliver(
        session,
        event,
        redactForSession(session.intents, session.userId, event, data, guildId !== undefined),
        true,
      );
      delivered += 1;
    }
    return delivered;
  }

  // ---- faults and control ----------------------------------------------------------------------

  /** Connections attached to a session (all of them, or the one for `sessionId`). */
  targets(sessionId?: string): GatewayConnection[] {
    return [...this.connections].filter((c) => {
      const session = c.session ?? c.invalidatedSession;
      return session !== null && !c.closing && (sessionId === undefined || session.id === sessionId);
    });
  }

  /** Closes with a code; the session survives only if the code's policy is to resume. */
  closeConn(conn: GatewayConnection, code: number, reason: string): void {
    if (conn.closing) return;
    const keep = gatewayClosePolicy(code) === 'resume';
    this.config.log(`connection ${conn.id}: closing with ${code} (${reason})`);
    conn.close(code, truncateUtf8(reason, 123), keep);
  }

  /**
   * Op 7. Discord closes a connection whose client does not reconnect after it; the emulator
   * does so after `reconnectGraceMs` with 4000 (resume policy), so the session stays resumable.
   */
  requestReconnect(conn: GatewayConnection): void {
    conn.send({ op: GatewayOpcodes.RECONNECT, d: null, s: null, t: null });
    conn.armReconnectDeadline(this.config.reconnectGraceMs, () => {
      this.config.log(
        `connection ${conn.id}: no reconnect within ${this.config.reconnectGraceMs} ms of op 7`,
      );
      this.closeConn(conn, 4000, 'reconnect requested');
    });
  }

  /**
   * Op 9. With d=false the session ends; with d=true it stays resumable. Either way the
   * connection stays open and goes back to before IDENTIFY: Discord accepts the RESUME (or
   * IDENTIFY) a client sends next on the same socket, as discord.js does, and a RESUME on a new
   * socket works too.
   */
  invalidate(conn: GatewayConnection, resumable: boolean): void {
    conn.send({ op: GatewayOpcodes.INVALID_SESSION, d: resumable, s: null, t: null });
    const session = conn.session ?? conn.invalidatedSession;
    if (!session) return;
    if (!resumable) {
      this.destroySession(session);
      return;
    }
    if (conn.session !== session) return;
    conn.session = null;
    conn.invalidatedSession = session;
    conn.state = 'new';
    session.connected = false;
    this.armExpiry(session);
    this.armIdentifyDeadline(conn);
  }

  sessionInfos(): SessionInfo[] {
    return [...this.sessions.values()].map((s) => ({
      sessionId: s.id,
      shard: [s.shard[0], s.shard[1]],
      seq: s.seq,
      connected: s.connected,
      intents: s.intents,
      encoding: s.encoding,
      compress: s.compress,
    }));
  }

  guildsForShard(shard: [number, number]): string[] {
    return [...this.world.guilds.keys()].filter((id) => shardForGuild(id, shard[1]) === shard[0]);
  }

  close(): void {
    this.closed = true;
    this.identifyQueue.close();
    for (const conn of this.connections) conn.drop(false);
    for (const session of this.sessions.values()) {
      if (session.expiryTimer !== undefined) this.config.clock.clearTimeout(session.expiryTimer);
    }
    this.sessions.clear();
  }
}
