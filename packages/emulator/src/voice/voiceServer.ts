/**
 * The emulated Discord voice server: the voice gateway v8 over TLS (and optionally plain ws)
 * on loopback plus the UDP media relay. It implements the main gateway's `VoiceProvider`
 * seam: op 4 calls `allocate` for the endpoint and token that go into VOICE_SERVER_UPDATE.
 *
 * Protocol violations end in the close code Discord uses (opcodes-and-status-codes, voice
 * close codes; research/anchors.md 3.1), so a client is told what it did wrong.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TransportEncryptionMode } from '@cordwire/voice-udp';
import { type WebSocket, WebSocketServer } from 'ws';
import type {
  VoiceAllocation as VoiceAllocationRequest,
  VoiceProvider,
  VoiceServerInfo,
} from '../voiceProvider.js';
import { type LoopbackCertificate, makeLoopbackCertificate } from './certificate.js';
import type { DaveChannelState } from './dave/daveChannel.js';
import type { DaveInputErrorCode } from './dave/daveInputError.js';
import { checkVoiceE2EESetting, type VoiceE2EESetting } from './dave/e2eeSetting.js';
import { ExternalSenderRole } from './dave/externalSenderRole.js';
import { type FrameDelayTimer, systemFrameDelayTimer } from './frameDelay.js';
import { MediaRelay, type MediaRelayCounters } from './mediaRelay.js';
import type { NetworkConditions } from './networkConditions.js';
import { VoiceCalls } from './voiceCalls.js';
import {
  MAX_MESSAGE_BYTES,
  VoiceGatewayConnection,
  type VoiceGatewayContext,
} from './voiceGatewayConnection.js';
import type { VoiceMemberSession } from './voiceSession.js';

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
  /**
   * E2EE setting of every channel without one of its own: 'required' (default, as on Discord: a
   * client offering no DAVE gets 4017), 'optional' (it joins and the channel downgrades) or 'off'.
   */
  readonly e2ee?: VoiceE2EESetting;
  /** Per-channel E2EE settings by channel id (what a seed's `e2ee` sets); `control.setE2EE` changes them. */
  readonly channels?: Readonly<Record<string, VoiceE2EESetting>>;
  /**
   * @deprecated use `e2ee` / `channels`. true (or a predicate returning true) makes a channel
   * 'required', false 'off'.
   */
  readonly requireE2EE?: boolean | ((guildId: string, channelId: string) => boolean);
  /** Highest DAVE version the server negotiates. Default 1; 0 turns DAVE off in every channel. */
  readonly daveProtocolVersion?: number;
  /** How long the server waits for op 23 from every member before it executes a transition. Default 10 s. */
  readonly daveTransitionTimeoutMs?: number;
  /** Announce the commit that creates a group with transition id 0 (executed at once, no op 23/22). Default false. */
  readonly daveNewGroupTransitionZero?: boolean;
  /**
   * Deadline for each handshake step: TLS and the HTTP upgrade after connecting, IDENTIFY/RESUME
   * after HELLO, SELECT_PROTOCOL after READY. A step not done in time closes the socket (4009).
   * Default 10 s.
   */
  readonly handshakeTimeoutMs?: number;
  /** Open voice WebSockets (including those still in the handshake) before upgrades get 503. Default 10000. */
  readonly maxConnections?: number;
  /** The same per remote address. Default 1024 (tests and benches run every client from loopback). */
  readonly maxConnectionsPerAddress?: number;
  /**
   * Sees every media payload the relay forwards, after transport decryption (DAVE frames stay
   * encrypted end to end; this is what the server itself can read). For tests.
   */
  readonly onRelayedPayload?: (senderUserId: string, payload: Uint8Array) => void;
  /** Messages per window before 4021. Default 120 per 60 s. */
  readonly rateLimit?: { readonly count: number; readonly windowMs: number };
  /** A member that sent no UDP keepalive or media for this long receives no media. Default 0 (off). */
  readonly udpTimeoutMs?: number;
  /** Injected loss/reorder/jitter on the media relay's forward path. */
  readonly network?: NetworkConditions;
  readonly dave?: VoiceServerDaveHooks;
  /**
   * Wall clock (ms) behind udpTimeoutMs, sessionTimeoutMs, the rate-limit window and crash
   * downtime. Default Date.now; tests advance a manual one instead of sleeping.
   */
  readonly now?: () => number;
  /** Timer behind `control.setFrameDelay`; tests pass a manual one to release held frames. */
  readonly frameDelayTimer?: FrameDelayTimer;
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
  /** The highest DAVE version the member offered, capped at the server's (its channel may run at 0). */
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
  /** Sockets closed because a handshake step missed its deadline. */
  readonly handshakeTimeouts: number;
  /** Upgrade requests answered 503 because of `maxConnections` / `maxConnectionsPerAddress`. */
  readonly refusedConnections: number;
  /** WebSockets open right now. */
  readonly openConnections: number;
  /** DAVE messages from members the external sender rejected, by code. */
  readonly daveRejected: Readonly<Partial<Record<DaveInputErrorCode, number>>>;
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
  /** Delay every outbound gateway frame by `ms` (order kept: later frames wait behind held ones). */
  setFrameDelay(ms: number): void;
  setNetwork(conditions: NetworkConditions): void;
  /** What the injected network did to packets bound for `userId`. */
  linkCounters(
    userId: string,
  ): { dropped: number; reordered: number; delayed: number; delivered: number } | undefined;
  members(): VoiceMemberInfo[];
  /** Change a channel's E2EE setting now (required drops members without DAVE with 4017). */
  setE2EE(guildId: string, channelId: string, setting: VoiceE2EESetting): void;
  e2ee(guildId: string, channelId: string): VoiceE2EESetting;
  /** The channel's DAVE group as the external sender sees it; undefined when nobody is in the call. */
  dave(guildId: string, channelId: string): DaveChannelState | undefined;
  /** Re-create the channel's group: op 24 epoch 1 to every member. */
  resetDaveGroup(guildId: string, channelId: string): void;
  /** The verification code members `a` and `b` see for each other (from public keys only). */
  verificationCode(guildId: string, channelId: string, a: string, b: string): Promise<string | undefined>;
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
  setChannelE2EE(guildId: string, channelId: string, setting: VoiceE2EESetting): void;
  stats(): VoiceServerStats;
  close(): Promise<void>;
}

const DEFAULT_MODES: readonly TransportEncryptionMode[] = [
  'aead_aes256_gcm_rtpsize',
  'aead_xchacha20_poly1305_rtpsize',
];

export async function startVoiceServer(options: VoiceServerOptions = {}): Promise<VoiceServer> {
  const host = options.host ?? '127.0.0.1';
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 13_750;
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 60_000;
  const log = options.logger ?? (() => {});
  const now = options.now ?? (() => Date.now());
  const connections = new Set<VoiceGatewayConnection>();
  const closes: Record<number, number> = {};
  const counters = { invalidMessages: 0, heartbeats: 0, resumes: 0, handshakeTimeouts: 0 };
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
  const maxConnections = options.maxConnections ?? 10_000;
  const maxPerAddress = options.maxConnectionsPerAddress ?? 1024;
  let refusedConnections = 0;
  let totalConnections = 0;
  let frameDelayMs = 0;
  let closed = false;

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

  const requireE2EE = options.requireE2EE;
  const role = new ExternalSenderRole({
    defaultSetting: checkVoiceE2EESetting(options.e2ee ?? 'required', 'e2ee'),
    channels: new Map(
      Object.entries(options.channels ?? {}).map(([id, v]) => [
        id,
        checkVoiceE2EESetting(v, `channels.${id}`),
      ]),
    ),
    settingOf:
      requireE2EE === undefined
        ? undefined
        : (g, c) =>
            (typeof requireE2EE === 'function' ? requireE2EE(g, c) : requireE2EE) ? 'required' : 'off',
    serverVersion: options.daveProtocolVersion ?? 1,
    transitionTimeoutMs: options.daveTransitionTimeoutMs ?? 10_000,
    newGroupTransitionZero: options.daveNewGroupTransitionZero ?? false,
    log,
    drop: (m, code) => calls.drop(m, code),
  });

  const calls: VoiceCalls = new VoiceCalls({
    replayLimit: options.replayBufferSize ?? 256,
    closeWs,
    log,
    onMemberLeft: (m) => {
      role.left(m);
      options.dave?.onMemberLeft?.(info(m));
    },
    onMemberMoved: (m, from) => role.moved(m, from),
  });

  const relay = await MediaRelay.start({
    host,
    port: options.udpPort ?? 0,
    conditions: options.network,
    udpTimeoutMs: options.udpTimeoutMs,
    now,
    onPayload: options.onRelayedPayload
      ? (m, payload) => options.onRelayedPayload?.(m.allocation.userId, payload)
      : undefined,
    peers: {
      bySsrc: (ssrc) => calls.bySsrc(ssrc),
      peersOf: (m) => calls.peersOf(m).filter((o) => o.udpAddress && o.secretKey),
      byAddress: (address, port) => calls.byAddress(address, port),
    },
  });

  const context: VoiceGatewayContext = {
    calls,
    udp: { ip: host, port: relay.port },
    modes: options.modes ?? DEFAULT_MODES,
    heartbeatIntervalMs,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? heartbeatIntervalMs * 2 + 5_000,
    sessionTimeoutMs,
    serverDaveProtocolVersion: options.daveProtocolVersion ?? 1,
    rate: options.rateLimit ?? { count: 120, windowMs: 60_000 },
    role,
    handshakeTimeoutMs,
    counters,
    frameDelayMs: () => frameDelayMs,
    frameDelayTimer: options.frameDelayTimer ?? systemFrameDelayTimer,
    closeWs,
    detachOthers: (ws) => {
      for (const c of connections) if (c.ws === ws) c.member = undefined;
    },
    now,
    log,
    dave: {
      onClientBinary: (m, op, payload) => options.dave?.onClientBinary?.(info(m), op, payload),
      onClientJson: (m, op, d) => options.dave?.onClientJson?.(info(m), op, d),
      onMemberReady: (m) => options.dave?.onMemberReady?.(info(m)),
    },
  };

  const onConnection = (ws: WebSocket) => {
    if (closed) return ws.terminate();
    totalConnections++;
    const conn = new VoiceGatewayConnection(ws, context);
    connections.add(conn);
    ws.on('close', () => {
      connections.delete(conn);
      conn.onClosed();
    });
  };

  // Members whose socket went away and never resumed leave the call after sessionTimeoutMs,
  // as Discord drops a voice session whose client is gone.
  const sweep = setInterval(
    () => calls.expire(now(), sessionTimeoutMs),
    Math.max(50, Math.min(5_000, sessionTimeoutMs / 4)),
  );
  sweep.unref();

  const cert: LoopbackCertificate = await makeLoopbackCertificate(host);
  // Every step before HELLO has the same deadline: the TLS handshake, then the HTTP request line and
  // headers (Node checks those every connectionsCheckingInterval).
  const httpLimits = {
    headersTimeout: handshakeTimeoutMs,
    requestTimeout: handshakeTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(handshakeTimeoutMs / 2))),
  };
  const notAnUpgrade = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(426, { connection: 'close', 'content-length': 0 }).end();
  };
  const tlsServer = createHttpsServer(
    { cert: cert.cert, key: cert.key, handshakeTimeout: handshakeTimeoutMs, ...httpLimits },
    notAnUpgrade,
  );
  const servers: HttpServer[] = [tlsServer];
  const plain = options.plainWs ? createHttpServer(httpLimits, notAnUpgrade) : undefined;
  if (plain) servers.push(plain);

  // Caps count sockets from the upgrade request until they close, so a crowd of half-open
  // handshakes is held to them too (issue 11: the voice server had no connection caps).
  const perAddress = new Map<string, number>();
  let open = 0;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  wss.on('connection', onConnection);
  const refuse = (socket: Socket, status: string) => {
    refusedConnections++;
    log(`voice: refusing an upgrade (${status})`);
    socket.end(`HTTP/1.1 ${status}\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroySoon?.();
  };
  // Node's headersTimeout only starts with the first byte of a request: a socket that connects (or
  // finishes TLS) and then sends nothing needs a deadline of its own until it upgrades.
  const upgraded = new WeakSet<Socket>();
  const armUpgradeDeadline = (socket: Socket) => {
    const timer = setTimeout(() => {
      if (!upgraded.has(socket)) socket.destroy();
    }, handshakeTimeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
  tlsServer.on('secureConnection', armUpgradeDeadline);
  plain?.on('connection', armUpgradeDeadline);
  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer) => {
    upgraded.add(socket);
    socket.on('error', () => {});
    if (closed) return socket.destroy();
    const address = socket.remoteAddress ?? 'unknown';
    const fromAddress = perAddress.get(address) ?? 0;
    if (open >= maxConnections) return refuse(socket, '503 Service Unavailable');
    if (fromAddress >= maxPerAddress) return refuse(socket, '503 Service Unavailable');
    open++;
    perAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      open--;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
    try {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    } catch {
      // ws answers bad upgrades itself; anything it throws ends this socket only.
      socket.destroy();
    }
  };
  for (const server of servers) {
    server.on('upgrade', onUpgrade);
    // Room above the cap so refused upgrades are answered with 503 instead of a bare reset.
    server.maxConnections = maxConnections + 64;
  }
  const listen = (server: HttpServer, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
  const tlsPort = await listen(tlsServer, options.port ?? 0);
  const plainPort = plain ? await listen(plain, 0) : undefined;
  const endpoint = `${host}:${tlsPort}`;

  const members = () => calls.members();
  const find = (userId: string, guildId?: string) => calls.find(userId, guildId);

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
      if (m) calls.drop(m, 4014);
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
          calls.drop(m, 4022);
    },
    setFrameDelay(ms) {
      frameDelayMs = Math.max(0, ms);
      for (const m of members()) m.frameDelayMs = frameDelayMs;
    },
    setE2EE(guildId, channelId, setting) {
      role.setSetting(guildId, channelId, checkVoiceE2EESetting(setting, 'setE2EE setting'));
    },
    e2ee: (guildId, channelId) => role.settingFor(guildId, channelId),
    dave: (guildId, channelId) => role.state(guildId, channelId),
    resetDaveGroup: (guildId, channelId) => role.resetGroup(guildId, channelId),
    verificationCode: (guildId, channelId, a, b) => role.verificationCode(guildId, channelId, a, b),
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
    allocate: (req) => calls.allocate(req, endpoint),
    release: (req) => calls.release(req),
    setChannelE2EE: (guildId, channelId, setting) => control.setE2EE(guildId, channelId, setting),
    stats: () => ({
      connections: totalConnections,
      closes: { ...closes },
      ...counters,
      refusedConnections,
      openConnections: open,
      daveRejected: { ...role.rejected },
      udp: { ...relay.counters },
    }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
      role.close();
      for (const c of connections) c.dispose();
      connections.clear();
      wss.close();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      await relay.close();
      await cert.dispose();
    },
  };
  return server;
}
