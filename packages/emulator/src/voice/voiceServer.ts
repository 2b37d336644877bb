/**
 * The emulated Discord voice server: the voice gateway v8 over TLS (and optionally plain ws)
 * on loopback plus the UDP media relay. It implements the main gateway's `VoiceProvider`
 * seam: op 4 calls `allocate` for the endpoint and token that go into VOICE_SERVER_UPDATE.
 *
 * Protocol violations end in the close code Discord uses (opcodes-and-status-codes, voice
 * close codes; research/anchors.md 3.1), so a client is told what it did wrong.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { decodeClientBinaryFrame, VoiceOpcodes } from '@cordwire/opcodes';
import { isTransportEncryptionMode, type TransportEncryptionMode } from '@cordwire/voice-udp';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type {
  VoiceAllocation as VoiceAllocationRequest,
  VoiceProvider,
  VoiceServerInfo,
} from '../voiceProvider.js';
import { type LoopbackCertificate, makeLoopbackCertificate } from './certificate.js';
import { MediaRelay, type MediaRelayCounters } from './mediaRelay.js';
import type { NetworkConditions } from './networkConditions.js';
import { VoiceMemberSession } from './voiceSession.js';

export interface VoiceServerDaveHooks {
  /** A client sent a binary frame (op 26 key package, op 28 commit/welcome). */
  onClientBinary?(member: VoiceMemberInfo, op: number, payload: Uint8Array): void;
  /** A client sent DAVE JSON (op 23 transition ready, op 31 invalid commit/welcome). */
  onClientJson?(member: VoiceMemberInfo, op: number, d: unknown): void;
  /** A member finished SELECT_PROTOCOL with this negotiated DAVE version. */
  onMemberReady?(member: VoiceMemberInfo): void;
  onMemberLeft?(member: VoiceMemberInfo): void;
}

export interface VoiceServerOptions {
  /** Loopback only. Default '127.0.0.1'. */
  readonly host?: string;
  /** TLS (wss) port; default 0 = ephemeral. */
  readonly port?: number;
  /** Also listen for plain ws:// (for tests of our own client). Default false. */
  readonly plainWs?: boolean;
  readonly udpPort?: number;
  /** HELLO heartbeat_interval. Default 13750 (what Discord's voice servers send). */
  readonly heartbeatIntervalMs?: number;
  /** Silence after which the server closes with 4009. Default 2 x interval + 5 s. */
  readonly heartbeatTimeoutMs?: number;
  /** How long a member whose socket dropped can still RESUME. Default 60 s. */
  readonly sessionTimeoutMs?: number;
  /** Replayable messages kept per member for RESUME. Default 256. */
  readonly replayBufferSize?: number;
  /** Modes offered in READY, AES-GCM first. */
  readonly modes?: readonly TransportEncryptionMode[];
  /** Channels whose calls require DAVE: IDENTIFY with max_dave_protocol_version 0 gets 4017. */
  readonly requireE2EE?: boolean | ((guildId: string, channelId: string) => boolean);
  /** Highest DAVE version the server negotiates. Default 0 (DAVE comes with a later issue). */
  readonly daveProtocolVersion?: number;
  /** Messages per window before 4021. Default 120 per 60 s. */
  readonly rateLimit?: { readonly count: number; readonly windowMs: number };
  /** A member that sent no UDP keepalive or media for this long receives no media. Default 0 (off). */
  readonly udpTimeoutMs?: number;
  /** Injected loss/reorder/jitter on the media relay's forward path. */
  readonly network?: NetworkConditions;
  readonly dave?: VoiceServerDaveHooks;
  /** Debug lines; never receive tokens or keys. */
  readonly logger?: (line: string) => void;
}

export interface VoiceMemberInfo {
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly ssrc: number;
  readonly connected: boolean;
  readonly mode: string | undefined;
  readonly daveProtocolVersion: number;
  readonly udpAddress: { address: string; port: number } | undefined;
  readonly keepalives: number;
  readonly seq: number;
}

export interface VoiceServerStats {
  readonly connections: number;
  readonly closes: Readonly<Record<number, number>>;
  readonly invalidMessages: number;
  readonly heartbeats: number;
  readonly resumes: number;
  readonly udp: Readonly<MediaRelayCounters>;
}

export interface VoiceServerControl {
  /** Every connected voice socket gets 4015; sessions stay resumable. Media pauses `udpDownMs`. */
  crash(options?: { udpDownMs?: number }): void;
  /** Kick a member: 4014 to them, CLIENT_DISCONNECT to the rest; the allocation is gone. */
  dropMember(userId: string, guildId?: string): void;
  /** Close a member's socket with any code (for close-code tests); the session is kept. */
  closeMember(userId: string, code: number, reason?: string): void;
  /** End a call: 4022 to every member of the channel (or guild). */
  terminateCall(guildId: string, channelId?: string): void;
  /** Delay every outbound gateway frame by `ms`. */
  setFrameDelay(ms: number): void;
  setNetwork(conditions: NetworkConditions): void;
  /** What the injected network did to packets bound for `userId`. */
  linkCounters(
    userId: string,
  ): { dropped: number; reordered: number; delayed: number; delivered: number } | undefined;
  members(): VoiceMemberInfo[];
  /** Seam for DAVE: send a JSON op (with seq) or a binary op (25, 27, 29, 30) to one member. */
  sendJson(userId: string, op: number, d: unknown, guildId?: string): void;
  sendBinary(userId: string, op: number, payload: Uint8Array, guildId?: string): void;
}

export interface VoiceServer extends VoiceProvider {
  /** `127.0.0.1:PORT` of the TLS listener: what VOICE_SERVER_UPDATE carries. */
  readonly endpoint: string;
  /** `127.0.0.1:PORT` of the plain ws listener when `plainWs` was set. */
  readonly plainEndpoint: string | undefined;
  /** PEM of the self-signed certificate, for our client's `ca` option. */
  readonly caPem: string;
  /** A file holding `caPem`, for NODE_EXTRA_CA_CERTS in a child process. */
  readonly caPath: string;
  readonly udpPort: number;
  readonly control: VoiceServerControl;
  allocate(request: VoiceAllocationRequest): VoiceServerInfo;
  release(request: Omit<VoiceAllocationRequest, 'channelId'> & { channelId: string | null }): void;
  stats(): VoiceServerStats;
  close(): Promise<void>;
}

const CLIENT_JSON_OPS: ReadonlySet<number> = new Set([
  VoiceOpcodes.IDENTIFY,
  VoiceOpcodes.SELECT_PROTOCOL,
  VoiceOpcodes.HEARTBEAT,
  VoiceOpcodes.SPEAKING,
  VoiceOpcodes.RESUME,
  VoiceOpcodes.VIDEO,
  VoiceOpcodes.VOICE_BACKEND_VERSION,
  VoiceOpcodes.DAVE_TRANSITION_READY,
  VoiceOpcodes.DAVE_MLS_INVALID_COMMIT_WELCOME,
]);

const MAX_MESSAGE_BYTES = 64 * 1024;

interface Connection {
  readonly ws: WebSocket;
  member: VoiceMemberSession | undefined;
  watchdog: NodeJS.Timeout | undefined;
  readonly recent: number[];
}

const key = (guildId: string, userId: string) => `${guildId}:${userId}`;

export async function startVoiceServer(options: VoiceServerOptions = {}): Promise<VoiceServer> {
  const host = options.host ?? '127.0.0.1';
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 13_750;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? heartbeatIntervalMs * 2 + 5_000;
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 60_000;
  const replayLimit = options.replayBufferSize ?? 256;
  const modes = options.modes ?? ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'];
  const serverDave = options.daveProtocolVersion ?? 0;
  const rate = options.rateLimit ?? { count: 120, windowMs: 60_000 };
  const log = options.logger ?? (() => {});
  const now = () => Date.now();

  /** Issued by op 4, keyed by guild:user. */
  const allocations = new Map<string, VoiceMemberSession>();
  const connections = new Set<Connection>();
  const closes: Record<number, number> = {};
  let invalidMessages = 0;
  let heartbeats = 0;
  let resumes = 0;
  let totalConnections = 0;
  let frameDelayMs = 0;
  let closed = false;
  const usedSsrcs = new Set<number>();

  const members = () => [...allocations.values()];
  const inCall = (m: VoiceMemberSession) => m.identified;
  const peersOf = (m: VoiceMemberSession) =>
    members().filter(
      (o) =>
        o !== m &&
        inCall(o) &&
        o.allocation.guildId === m.allocation.guildId &&
        o.allocation.channelId === m.allocation.channelId,
    );

  const relay = await MediaRelay.start({
    host,
    port: options.udpPort ?? 0,
    conditions: options.network,
    udpTimeoutMs: options.udpTimeoutMs,
    now,
    peers: {
      bySsrc: (ssrc) => members().find((m) => m.identified && m.ssrc === ssrc),
      peersOf: (m) => peersOf(m).filter((o) => o.udpAddress && o.secretKey),
      byAddress: (address, port) =>
        members().filter(
          (m) => m.udpAddress && m.udpAddress.port === port && m.udpAddress.address === address,
        ),
    },
  });

  const info = (m: VoiceMemberSession): VoiceMemberInfo => ({
    guildId: m.allocation.guildId,
    channelId: m.allocation.channelId,
    userId: m.allocation.userId,
    ssrc: m.ssrc,
    connected: m.ws !== undefined,
    mode: m.mode,
    daveProtocolVersion: m.daveProtocolVersion,
    udpAddress: m.udpAddress,
    keepalives: m.keepalives,
    seq: m.seq,
  });

  const closeWs = (ws: WebSocket, code: number, reason = '') => {
    closes[code] = (closes[code] ?? 0) + 1;
    log(`voice: closing a connection with ${code}${reason ? ` (${reason})` : ''}`);
    try {
      ws.close(code, reason);
    } catch {
      ws.terminate();
    }
    // A client that never answers the close handshake must not hold the socket open.
    setTimeout(() => ws.terminate(), 2_000).unref();
  };

  const leaveCall = (m: VoiceMemberSession) => {
    if (!m.identified) return;
    const others = peersOf(m);
    m.identified = false;
    usedSsrcs.delete(m.ssrc);
    for (const o of others) o.sendJson(VoiceOpcodes.CLIENT_DISCONNECT, { user_id: m.allocation.userId });
    options.dave?.onMemberLeft?.(info(m));
  };

  const allocate = (req: VoiceAllocationRequest): VoiceServerInfo => {
    const k = key(req.guildId, req.userId);
    const existing = allocations.get(k);
    if (existing && existing.allocation.sessionId === req.sessionId) {
      // Moving channels keeps the voice connection; the server moves the member.
      pendingReleases.delete(existing);
      if (existing.allocation.channelId !== req.channelId) moveMember(existing, req.channelId);
      return { endpoint, token: existing.allocation.token };
    }
    if (existing) dropMember(existing, 4006);
    const token = randomBytes(16).toString('hex');
    allocations.set(k, new VoiceMemberSession({ ...req, token }, replayLimit));
    log(`voice: allocated guild ${req.guildId} channel ${req.channelId} user ${req.userId}`);
    return { endpoint, token };
  };

  const dropMember = (m: VoiceMemberSession, code: number) => {
    allocations.delete(key(m.allocation.guildId, m.allocation.userId));
    leaveCall(m);
    const ws = m.ws;
    m.ws = undefined;
    if (ws) closeWs(ws, code);
  };

  const moveMember = (m: VoiceMemberSession, channelId: string) => {
    const wasInCall = m.identified;
    for (const o of wasInCall ? peersOf(m) : [])
      o.sendJson(VoiceOpcodes.CLIENT_DISCONNECT, { user_id: m.allocation.userId });
    (m.allocation as { channelId: string }).channelId = channelId;
    if (!wasInCall) return;
    const others = peersOf(m);
    if (others.length > 0)
      m.sendJson(VoiceOpcodes.CLIENTS_CONNECT, { user_ids: others.map((o) => o.allocation.userId) });
    for (const o of others) {
      o.sendJson(VoiceOpcodes.CLIENTS_CONNECT, { user_ids: [m.allocation.userId] });
      if (o.speaking)
        m.sendJson(VoiceOpcodes.SPEAKING, {
          user_id: o.allocation.userId,
          ssrc: o.ssrc,
          speaking: o.speaking,
        });
    }
  };

  /**
   * The main gateway releases the old channel just before it allocates the new one when a
   * member moves. Deferring the drop by one turn of the event loop lets that allocate turn the
   * pair into a move; a plain leave still ends in 4014 (Discord's "disconnected").
   */
  const pendingReleases = new Set<VoiceMemberSession>();
  const release = (req: { guildId: string; userId: string; sessionId: string; channelId: string | null }) => {
    const m = allocations.get(key(req.guildId, req.userId));
    if (!m || m.allocation.sessionId !== req.sessionId) return;
    pendingReleases.add(m);
    setImmediate(() => {
      if (!pendingReleases.delete(m)) return;
      if (allocations.get(key(req.guildId, req.userId)) === m) dropMember(m, 4014);
    });
  };

  const newSsrc = (): number => {
    for (;;) {
      const ssrc = randomInt(1, 0x7fffffff);
      if (!usedSsrcs.has(ssrc)) {
        usedSsrcs.add(ssrc);
        return ssrc;
      }
    }
  };

  const armWatchdog = (conn: Connection) => {
    if (conn.watchdog) clearTimeout(conn.watchdog);
    conn.watchdog = setTimeout(() => {
      const m = conn.member;
      // A silent client's session is over; it must rejoin (4009 policy).
      if (m) {
        m.ws = undefined;
        dropMember(m, 4009);
      }
      closeWs(conn.ws, 4009, 'heartbeat timeout');
    }, heartbeatTimeoutMs);
    conn.watchdog.unref();
  };

  const writeRaw = (conn: Connection, op: number, d: unknown) => {
    const ws = conn.ws;
    const text = JSON.stringify({ op, d });
    if (frameDelayMs > 0) {
      setTimeout(() => ws.readyState === 1 && ws.send(text), frameDelayMs).unref();
    } else if (ws.readyState === 1) {
      ws.send(text);
    }
  };

  const attach = (conn: Connection, m: VoiceMemberSession) => {
    if (m.ws && m.ws !== conn.ws) {
      const old = m.ws;
      m.ws = undefined;
      for (const c of connections) if (c.ws === old) c.member = undefined;
      closeWs(old, 4006, 'session taken over');
    }
    conn.member = m;
    m.ws = conn.ws;
    m.frameDelayMs = frameDelayMs;
  };

  const onIdentify = (conn: Connection, d: Record<string, unknown>) => {
    if (conn.member) return closeWs(conn.ws, 4005);
    const { server_id, user_id, session_id, token } = d;
    if (![server_id, user_id, session_id, token].every((v) => typeof v === 'string'))
      return closeWs(conn.ws, 4002, 'identify fields missing');
    const forGuild = members().filter((m) => m.allocation.guildId === server_id);
    if (forGuild.length === 0) return closeWs(conn.ws, 4011);
    const m = allocations.get(key(server_id as string, user_id as string));
    if (!m || m.allocation.token !== token) return closeWs(conn.ws, 4004);
    if (m.allocation.sessionId !== session_id) return closeWs(conn.ws, 4006);
    const maxDave = typeof d.max_dave_protocol_version === 'number' ? d.max_dave_protocol_version : 0;
    const required =
      typeof options.requireE2EE === 'function'
        ? options.requireE2EE(m.allocation.guildId, m.allocation.channelId)
        : options.requireE2EE === true;
    if (required && maxDave < 1) return closeWs(conn.ws, 4017, 'E2EE required');
    // A fresh identify starts a fresh session stream: new seq, new replay buffer, same ssrc.
    const fresh = new VoiceMemberSession(m.allocation, replayLimit);
    const wasInCall = m.identified;
    if (wasInCall) leaveCall(m);
    if (m.ws && m.ws !== conn.ws) closeWs(m.ws, 4006, 'session taken over');
    m.ws = undefined;
    fresh.ssrc = newSsrc();
    fresh.identified = true;
    fresh.daveProtocolVersion = Math.max(0, Math.min(maxDave, serverDave));
    allocations.set(key(m.allocation.guildId, m.allocation.userId), fresh);
    attach(conn, fresh);
    fresh.sendJson(VoiceOpcodes.READY, {
      ssrc: fresh.ssrc,
      ip: host,
      port: relay.port,
      modes,
      // Discord still sends this; v8 clients must use HELLO's interval instead (anchors.md 3.1).
      heartbeat_interval: 1,
      experiments: [],
    });
    const others = peersOf(fresh);
    if (others.length > 0) {
      fresh.sendJson(VoiceOpcodes.CLIENTS_CONNECT, { user_ids: others.map((o) => o.allocation.userId) });
      for (const o of others) {
        fresh.sendJson(VoiceOpcodes.FLAGS, { user_id: o.allocation.userId, flags: 0 });
        fresh.sendJson(VoiceOpcodes.PLATFORM, { user_id: o.allocation.userId, platform: 0 });
        if (o.speaking)
          fresh.sendJson(VoiceOpcodes.SPEAKING, {
            user_id: o.allocation.userId,
            ssrc: o.ssrc,
            speaking: o.speaking,
          });
      }
    }
    for (const o of others) {
      o.sendJson(VoiceOpcodes.CLIENTS_CONNECT, { user_ids: [fresh.allocation.userId] });
      o.sendJson(VoiceOpcodes.FLAGS, { user_id: fresh.allocation.userId, flags: 0 });
      o.sendJson(VoiceOpcodes.PLATFORM, { user_id: fresh.allocation.userId, platform: 0 });
    }
  };

  const onResume = (conn: Connection, d: Record<string, unknown>) => {
    if (conn.member) return closeWs(conn.ws, 4005);
    const { server_id, session_id, token } = d;
    if (![server_id, session_id, token].every((v) => typeof v === 'string'))
      return closeWs(conn.ws, 4002, 'resume fields missing');
    const m = members().find(
      (x) =>
        x.allocation.guildId === server_id &&
        x.allocation.sessionId === session_id &&
        x.allocation.token === token,
    );
    if (!m?.identified) return closeWs(conn.ws, 4006);
    if (!m.ws && m.detachedAt > 0 && now() - m.detachedAt > sessionTimeoutMs) {
      dropMember(m, 4006);
      return closeWs(conn.ws, 4006);
    }
    const seqAck = typeof d.seq_ack === 'number' && Number.isInteger(d.seq_ack) ? d.seq_ack : -1;
    if (!m.canReplayFrom(seqAck)) return closeWs(conn.ws, 4006, 'seq_ack out of range');
    attach(conn, m);
    resumes++;
    m.sendJson(VoiceOpcodes.RESUMED, null);
    m.replayAfter(seqAck);
  };

  const onSelectProtocol = (conn: Connection, m: VoiceMemberSession, d: Record<string, unknown>) => {
    if (d.protocol !== 'udp') return closeWs(conn.ws, 4012);
    const data = d.data as Record<string, unknown> | undefined;
    if (typeof data !== 'object' || data === null) return closeWs(conn.ws, 4020, 'data missing');
    const { address, port, mode } = data;
    if (
      typeof address !== 'string' ||
      typeof port !== 'number' ||
      !Number.isInteger(port) ||
      port < 1 ||
      port > 65535
    )
      return closeWs(conn.ws, 4020, 'address/port invalid');
    if (typeof mode !== 'string' || !isTransportEncryptionMode(mode) || !modes.includes(mode))
      return closeWs(conn.ws, 4016);
    m.mode = mode;
    m.udpAddress = { address, port };
    m.lastKeepaliveAt = now();
    m.secretKey = new Uint8Array(randomBytes(32));
    m.sendJson(VoiceOpcodes.SESSION_DESCRIPTION, {
      audio_codec: 'opus',
      video_codec: 'H264',
      media_session_id: randomBytes(16).toString('hex'),
      mode,
      secret_key: [...m.secretKey],
      dave_protocol_version: m.daveProtocolVersion,
    });
    options.dave?.onMemberReady?.(info(m));
  };

  const onSpeaking = (conn: Connection, m: VoiceMemberSession, d: Record<string, unknown>) => {
    const speaking = typeof d.speaking === 'boolean' ? (d.speaking ? 1 : 0) : d.speaking;
    if (typeof speaking !== 'number' || !Number.isInteger(speaking) || speaking < 0)
      return closeWs(conn.ws, 4020, 'speaking must be a bitfield');
    if (d.ssrc !== undefined && d.ssrc !== m.ssrc) return closeWs(conn.ws, 4020, 'ssrc is not yours');
    m.speaking = speaking;
    for (const o of peersOf(m))
      o.sendJson(VoiceOpcodes.SPEAKING, { user_id: m.allocation.userId, ssrc: m.ssrc, speaking });
  };

  const onText = (conn: Connection, text: string) => {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      invalidMessages++;
      return closeWs(conn.ws, 4002, 'invalid JSON');
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      invalidMessages++;
      return closeWs(conn.ws, 4002, 'not an object');
    }
    const { op, d } = msg as { op?: unknown; d?: unknown };
    if (typeof op !== 'number' || !CLIENT_JSON_OPS.has(op)) {
      invalidMessages++;
      return closeWs(conn.ws, 4001);
    }
    if (op === VoiceOpcodes.HEARTBEAT) {
      heartbeats++;
      armWatchdog(conn);
      // v8 heartbeats carry {t, seq_ack}; older clients send a bare nonce, echoed as is.
      const t = typeof d === 'object' && d !== null ? (d as { t?: unknown }).t : d;
      writeRaw(conn, VoiceOpcodes.HEARTBEAT_ACK, typeof d === 'object' && d !== null ? { t } : d);
      return;
    }
    const body = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
    if (op === VoiceOpcodes.IDENTIFY) return onIdentify(conn, body);
    if (op === VoiceOpcodes.RESUME) return onResume(conn, body);
    const m = conn.member;
    if (!m) return closeWs(conn.ws, 4003);
    switch (op) {
      case VoiceOpcodes.SELECT_PROTOCOL:
        return onSelectProtocol(conn, m, body);
      case VoiceOpcodes.SPEAKING:
        return onSpeaking(conn, m, body);
      case VoiceOpcodes.VOICE_BACKEND_VERSION:
        return m.sendJson(VoiceOpcodes.VOICE_BACKEND_VERSION, {
          voice: '0.9.0-cordwire',
          rtc_worker: '0.4.0-cordwire',
        });
      case VoiceOpcodes.DAVE_TRANSITION_READY:
      case VoiceOpcodes.DAVE_MLS_INVALID_COMMIT_WELCOME:
        options.dave?.onClientJson?.(info(m), op, d);
        return;
      default:
        // Op 12 (video) and anything else a client may send: accepted and ignored.
        return;
    }
  };

  const onBinary = (conn: Connection, bytes: Uint8Array) => {
    const m = conn.member;
    if (!m) return closeWs(conn.ws, 4003);
    const frame = decodeClientBinaryFrame(bytes);
    if (!frame.ok) {
      invalidMessages++;
      return closeWs(conn.ws, 4001, frame.code);
    }
    // DAVE seam: without hooks the frame is accepted and ignored.
    options.dave?.onClientBinary?.(info(m), frame.value.op, frame.value.payload.slice());
  };

  const onConnection = (ws: WebSocket) => {
    if (closed) return ws.terminate();
    totalConnections++;
    const conn: Connection = { ws, member: undefined, watchdog: undefined, recent: [] };
    connections.add(conn);
    ws.on('error', () => {});
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const t = now();
      conn.recent.push(t);
      while (conn.recent.length > 0 && conn.recent[0]! <= t - rate.windowMs) conn.recent.shift();
      if (conn.recent.length > rate.count) return closeWs(ws, 4021);
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (buf.length > MAX_MESSAGE_BYTES) return closeWs(ws, 4002, 'message too large');
      try {
        if (isBinary) onBinary(conn, new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
        else onText(conn, buf.toString('utf8'));
      } catch (error) {
        // A bug here must cost one connection, never the server.
        log(`voice: internal error ${(error as Error).message}`);
        closeWs(ws, 4000);
      }
    });
    ws.on('close', () => {
      connections.delete(conn);
      if (conn.watchdog) clearTimeout(conn.watchdog);
      const m = conn.member;
      if (m && m.ws === ws) {
        m.ws = undefined;
        m.detachedAt = now();
      }
    });
    armWatchdog(conn);
    writeRaw(conn, VoiceOpcodes.HELLO, { v: 8, heartbeat_interval: heartbeatIntervalMs });
  };

  // Members whose socket went away and never resumed leave the call after sessionTimeoutMs,
  // as Discord drops a voice session whose client is gone.
  const sweep = setInterval(
    () => {
      const t = now();
      for (const m of members())
        if (m.identified && !m.ws && m.detachedAt > 0 && t - m.detachedAt > sessionTimeoutMs) {
          log(`voice: session of user ${m.allocation.userId} expired`);
          leaveCall(m);
        }
    },
    Math.max(50, Math.min(5_000, sessionTimeoutMs / 4)),
  );
  sweep.unref();

  const cert: LoopbackCertificate = await makeLoopbackCertificate(host);
  const tlsServer = createHttpsServer({ cert: cert.cert, key: cert.key });
  const servers: HttpServer[] = [tlsServer];
  const plain = options.plainWs ? createHttpServer() : undefined;
  if (plain) servers.push(plain);
  const wsServers = servers.map((server) => {
    const wss = new WebSocketServer({ server, maxPayload: MAX_MESSAGE_BYTES });
    wss.on('connection', onConnection);
    return wss;
  });
  const listen = (server: HttpServer, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
  const tlsPort = await listen(tlsServer, options.port ?? 0);
  const plainPort = plain ? await listen(plain, 0) : undefined;
  const endpoint = `${host}:${tlsPort}`;

  const find = (userId: string, guildId?: string) =>
    members().find(
      (m) => m.allocation.userId === userId && (guildId === undefined || m.allocation.guildId === guildId),
    );

  const control: VoiceServerControl = {
    crash({ udpDownMs = 0 } = {}) {
      if (udpDownMs > 0) relay.goDown(udpDownMs);
      for (const m of members()) {
        const ws = m.ws;
        if (!ws) continue;
        m.ws = undefined;
        m.detachedAt = now();
        closeWs(ws, 4015, 'voice server crashed');
      }
    },
    dropMember(userId, guildId) {
      const m = find(userId, guildId);
      if (m) dropMember(m, 4014);
    },
    closeMember(userId, code, reason) {
      const m = find(userId);
      const ws = m?.ws;
      if (!m || !ws) return;
      m.ws = undefined;
      m.detachedAt = now();
      closeWs(ws, code, reason);
    },
    terminateCall(guildId, channelId) {
      for (const m of members())
        if (
          m.allocation.guildId === guildId &&
          (channelId === undefined || m.allocation.channelId === channelId)
        )
          dropMember(m, 4022);
    },
    setFrameDelay(ms) {
      frameDelayMs = Math.max(0, ms);
      for (const m of members()) m.frameDelayMs = frameDelayMs;
    },
    setNetwork: (conditions) => relay.setConditions(conditions),
    linkCounters: (userId) => relay.linkCounters(userId),
    members: () => members().map(info),
    sendJson(userId, op, d, guildId) {
      find(userId, guildId)?.sendJson(op, d);
    },
    sendBinary(userId, op, payload, guildId) {
      find(userId, guildId)?.sendBinary(op, payload);
    },
  };

  const server: VoiceServer = {
    endpoint,
    plainEndpoint: plainPort === undefined ? undefined : `${host}:${plainPort}`,
    caPem: cert.cert,
    caPath: cert.pemPath,
    udpPort: relay.port,
    control,
    allocate,
    release,
    stats: () => ({
      connections: totalConnections,
      closes: { ...closes },
      invalidMessages,
      heartbeats,
      resumes,
      udp: { ...relay.counters },
    }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
      for (const c of connections) {
        if (c.watchdog) clearTimeout(c.watchdog);
        c.ws.terminate();
      }
      connections.clear();
      for (const wss of wsServers) wss.close();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      await relay.close();
      await cert.dispose();
    },
  };
  return server;
}
