/**
 * startEmulator: a local Discord on one HTTP server on 127.0.0.1 — REST under /api and the main
 * gateway WebSocket on every other path — with a control handle for dispatches and faults.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { type EmulatorClock, sleep, systemClock } from './clock.js';
import { type DispatchStream, type StreamOptions, startDispatchStream } from './dispatchStream.js';
import { EmulatorClosedError, EmulatorError } from './errors.js';
import { type FaultScript, type FaultStep, parseFaultScript } from './faultScript.js';
import { GatewayServer, type SessionInfo } from './gatewayServer.js';
import { PRIVILEGED_INTENTS_MASK } from '@cordwire/opcodes';
import { handleRest } from './rest.js';
import { defaultSeed, type EmulatorSeed, normalizeSeed } from './seed.js';
import { DISCORD_SEND_LIMIT, type SendLimit } from './sendRateLimit.js';
import { SessionStartLimit } from './sessionStartLimit.js';
import { initZstd, type ZstdFraming } from './transportCompression.js';
import type { VoiceProvider } from './voiceProvider.js';

export interface EmulatorOptions {
  /** Default 0 (ephemeral). The emulator listens on 127.0.0.1 only. */
  port?: number;
  /** The valid bot token; default generated. */
  token?: string;
  /** Guilds, channels, users, members, voice states; default: one small guild. */
  seed?: EmulatorSeed;
  /** Recommended shard count in /gateway/bot (default 1). */
  shards?: number;
  /** session_start_limit.max_concurrency (default 1). */
  maxConcurrency?: number;
  /** Spacing of identifies per max_concurrency bucket (default 5000). */
  identifyIntervalMs?: number;
  /** Sent in HELLO (default 41250). */
  heartbeatIntervalMs?: number;
  /** How late a heartbeat may be past the interval before 4009 (default: half the interval). */
  heartbeatGraceMs?: number;
  /** How long a disconnected session stays resumable (default 60000). */
  sessionTimeoutMs?: number;
  /** Dispatches kept per session for RESUME replay (default 2000). */
  replayBufferSize?: number;
  /** Privileged intents the app is approved for; others give 4014. Default: all three. */
  allowedIntents?: number;
  /** Guilds one shard may hold before an identify gets 4011 (default 2500, Discord's limit). */
  requireSharding?: number;
  /** Inbound payloads allowed per connection per window before 4008 (default 120 per 60 s). */
  sendLimit?: SendLimit;
  /** Members per GUILD_MEMBERS_CHUNK (default 1000, as Discord). */
  memberChunkSize?: number;
  /** session_start_limit.total: IDENTIFYs per window (default 1000). */
  sessionStartLimit?: number;
  /** session_start_limit window: `remaining` is back to `total` this long after the window's first IDENTIFY (default 24 h). */
  sessionStartResetAfterMs?: number;
  /** How long a connection sent op 7 may stay open before it is closed with 4000 (default 5000). */
  reconnectGraceMs?: number;
  /**
   * zstd-stream framing: 'single-frame' is Discord's (one frame per connection, blocks flushed
   * per message, written uncompressed); 'per-message' (default) sends each message as its own
   * compressed frame, and keeps raw byte faults (sendRaw of a whole zstd frame) at a frame start.
   */
  zstdFraming?: ZstdFraming;
  /** Concurrent gateway connections before upgrades get HTTP 503 (default 10000). */
  maxConnections?: number;
  /** Connections upgrading or not yet identified/resumed before upgrades get HTTP 503 (default 4096). */
  maxPendingHandshakes?: number;
  /** Bare host:port in VOICE_SERVER_UPDATE when no voice provider is set (default: the emulator's). */
  voiceEndpoint?: string;
  /** Answers op 4 joins with a voice server and token; see VoiceProvider. */
  voice?: VoiceProvider;
  /** Never receives a token. */
  logger?: (line: string) => void;
  /** Time source for every timer (tests). */
  clock?: EmulatorClock;
}

export interface EmulatorControl {
  sessions(): SessionInfo[];
  identifyLog(): Array<{ shard: [number, number]; at: number }>;
  /** Routes like Discord (by guild to its shard, by intents); returns how many sessions got it. */
  dispatch(event: string, data: unknown, opts?: { guildId?: string; sessionId?: string }): number;
  startStream(opts: StreamOptions): DispatchStream;
  reconnect(sessionId?: string): void;
  invalidateSession(resumable: boolean, sessionId?: string): void;
  closeConnection(code: number, reason?: string, sessionId?: string): void;
  dropConnection(sessionId?: string): void;
  setHeartbeatAck(enabled: boolean, sessionId?: string): void;
  requestHeartbeat(sessionId?: string): void;
  setFrameDelay(ms: number): void;
  sendRaw(data: string | Uint8Array, sessionId?: string): void;
  /** Bytes through the connection's compression (zlib-stream, zstd-stream, payload) but no encoding: bombs. */
  sendCompressed(data: string | Uint8Array, sessionId?: string): void;
  runScript(script: FaultScript | unknown): Promise<void>;
  /** Replaces the voice provider (the voice server attaches here). */
  setVoiceProvider(provider: VoiceProvider | undefined): void;
  /**
   * single-frame zstd-stream: the next message ends the connection's zstd frame (its last block
   * has Last_Block set) and the message after begins a new frame. Returns how many connections.
   */
  endZstdFrame(sessionId?: string): number;
  /** Gateway connections now, those not identified yet, and upgrades refused by the caps. */
  connectionStats(): { connections: number; pendingHandshakes: number; refusedUpgrades: number };
}

export interface Emulator {
  /** REST base with the version, e.g. http://127.0.0.1:PORT/api/v10. */
  readonly restUrl: string;
  /** REST base without the version, as @discordjs/rest's `api` option expects. */
  readonly apiUrl: string;
  /** ws://127.0.0.1:PORT, also what GET /gateway(/bot) returns. */
  readonly gatewayUrl: string;
  readonly port: number;
  readonly token: string;
  readonly control: EmulatorControl;
  close(): Promise<void>;
}

/** A token of Discord's shape (base64 user id . timestamp . hmac), random each run. */
function generateToken(botId: string): string {
  const id = Buffer.from(botId).toString('base64url');
  return `${id}.${randomBytes(4).toString('base64url')}.${randomBytes(27).toString('base64url')}`;
}

/** Codes an endpoint may put in a close frame: RFC 6455 7.4.1/7.4.2 and the IANA registry. */
function isSendableCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

/**
 * Refuses an upgrade before the WebSocket handshake: a plain HTTP 503 with Retry-After, in
 * Discord's JSON error shape, then the socket is closed once the answer is flushed.
 */
function refuseUpgrade(socket: Duplex, reason: string): void {
  const body = JSON.stringify({ message: `503: Service Unavailable (${reason})`, code: 0 });
  socket.end(
    'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n' +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

function positive(name: string, v: number | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < min)
    throw new EmulatorError('EMULATOR_BAD_OPTION', `${name} must be >= ${min}`);
  return v;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? (() => {});
  const world = normalizeSeed(options.seed ?? defaultSeed);
  const token = options.token ?? generateToken(world.bot.id);
  if (token.length === 0 || /\s/.test(token)) {
    throw new EmulatorError('EMULATOR_BAD_OPTION', 'token must be a non-empty string without spaces');
  }
  const heartbeatIntervalMs = positive('heartbeatIntervalMs', options.heartbeatIntervalMs, 41_250);
  const shards = positive('shards', options.shards, 1);
  const maxConcurrency = positive('maxConcurrency', options.maxConcurrency, 1);
  const zstdFraming = options.zstdFraming ?? 'per-message';
  if (zstdFraming !== 'per-message' && zstdFraming !== 'single-frame') {
    throw new EmulatorError('EMULATOR_BAD_OPTION', "zstdFraming must be 'per-message' or 'single-frame'");
  }
  const sessionStartLimit = new SessionStartLimit(
    positive('sessionStartLimit', options.sessionStartLimit, 1000),
    positive('sessionStartResetAfterMs', options.sessionStartResetAfterMs, 86_400_000),
    clock,
  );
  await initZstd();

  let port = 0;
  const gatewayUrl = () => `ws://127.0.0.1:${port}`;
  const voiceFallback: VoiceProvider = {
    allocate: () => ({
      endpoint: options.voiceEndpoint ?? `127.0.0.1:${port}`,
      token: randomBytes(16).toString('hex'),
    }),
    release: () => {},
  };

  const gateway = new GatewayServer(
    {
      token,
      clock,
      maxConcurrency,
      identifyIntervalMs: positive('identifyIntervalMs', options.identifyIntervalMs, 5000, 0),
      heartbeatIntervalMs,
      heartbeatGraceMs: positive('heartbeatGraceMs', options.heartbeatGraceMs, heartbeatIntervalMs / 2, 0),
      sessionTimeoutMs: positive('sessionTimeoutMs', options.sessionTimeoutMs, 60_000),
      replayBufferSize: positive('replayBufferSize', options.replayBufferSize, 2000, 0),
      allowedIntents: options.allowedIntents ?? PRIVILEGED_INTENTS_MASK,
      requireSharding: positive('requireSharding', options.requireSharding, 2500, 0),
      sendLimit: options.sendLimit ?? DISCORD_SEND_LIMIT,
      memberChunkSize: positive('memberChunkSize', options.memberChunkSize, 1000),
      sessionStartLimit,
      reconnectGraceMs: positive('reconnectGraceMs', options.reconnectGraceMs, 5000, 0),
      zstdFraming,
      maxConnections: positive('maxConnections', options.maxConnections, 10_000),
      maxPendingHandshakes: positive('maxPendingHandshakes', options.maxPendingHandshakes, 4096),
      log,
    },
    world,
    gatewayUrl,
    options.voice ?? voiceFallback,
  );
  /** Seeded E2EE settings go to whichever voice provider takes the calls. */
  const seedVoiceE2EE = (provider: VoiceProvider) => {
    for (const guild of world.guilds.values())
      for (const [channelId, setting] of guild.voiceE2EE)
        provider.setChannelE2EE?.(guild.id, channelId, setting);
  };
  seedVoiceE2EE(gateway.voice);

  const restContext = {
    token,
    world,
    gatewayUrl,
    shards,
    maxConcurrency,
    sessionStartLimit: () => sessionStartLimit.info(),
    log,
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  const server: Server = createServer((req, res) => {
    try {
      handleRest(restContext, req, res);
    } catch (err) {
      log(`rest error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"message":"500: Internal Server Error","code":0}');
    }
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    if ((req.url ?? '/').startsWith('/api')) {
      socket.destroy();
      return;
    }
    const refusal = gateway.admit();
    if (refusal !== undefined) {
      log(`refused an upgrade: ${refusal}`);
      refuseUpgrade(socket, refusal);
      return;
    }
    // Counted until the handshake completes or the socket dies (ws answers a bad handshake
    // with 400 and never calls back), so a flood of half-done upgrades is bounded too.
    gateway.upgrading += 1;
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      gateway.upgrading -= 1;
    };
    socket.once('close', release);
    wss.handleUpgrade(req, socket, head, (ws) => {
      release();
      gateway.accept(ws, req);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  log(`listening on 127.0.0.1:${port}`);

  let closed = false;
  const streams = new Set<DispatchStream>();
  const guard = () => {
    if (closed) throw new EmulatorClosedError();
  };
  const eachConn = (
    sessionId: string | undefined,
    fn: (c: ReturnType<GatewayServer['targets']>[number]) => void,
  ) => {
    guard();
    for (const conn of gateway.targets(sessionId)) fn(conn);
  };

  const control: EmulatorControl = {
    sessions: () => gateway.sessionInfos(),
    identifyLog: () => gateway.identifies.map((e) => ({ shard: [e.shard[0], e.shard[1]], at: e.at })),
    dispatch: (event, data, opts) => {
      guard();
      return gateway.dispatch(event, data, opts);
    },
    startStream: (opts) => {
      guard();
      const stream = startDispatchStream(opts, clock, world, (event, data, guildId, sessionId) =>
        gateway.dispatch(event, data, { guildId, ...(sessionId !== undefined ? { sessionId } : {}) }),
      );
      streams.add(stream);
      void stream.done.then(() => streams.delete(stream));
      return stream;
    },
    reconnect: (sessionId) => eachConn(sessionId, (c) => gateway.requestReconnect(c)),
    invalidateSession: (resumable, sessionId) => eachConn(sessionId, (c) => gateway.invalidate(c, resumable)),
    closeConnection: (code, reason = 'closed by the emulator', sessionId) => {
      if (!isSendableCloseCode(code)) {
        throw new EmulatorError(
          'EMULATOR_BAD_OPTION',
          `close code ${code} cannot be sent in a close frame (RFC 6455 7.4)${code === 1006 ? '; use dropConnection()' : ''}`,
        );
      }
      eachConn(sessionId, (c) => gateway.closeConn(c, code, reason));
    },
    dropConnection: (sessionId) => eachConn(sessionId, (c) => c.drop(true)),
    setHeartbeatAck: (enabled, sessionId) =>
      eachConn(sessionId, (c) => {
        c.ackHeartbeats = enabled;
      }),
    requestHeartbeat: (sessionId) => eachConn(sessionId, (c) => c.send({ op: 1, d: null, s: null, t: null })),
    setFrameDelay: (ms) => {
      guard();
      gateway.frameDelayMs = Math.max(0, ms);
    },
    sendRaw: (data, sessionId) => eachConn(sessionId, (c) => c.sendRaw(data)),
    sendCompressed: (data, sessionId) => eachConn(sessionId, (c) => c.sendCompressed(data)),
    runScript: async (input) => {
      guard();
      const script = parseFaultScript(input);
      const start = clock.now();
      const pending: Promise<void>[] = [];
      const ordered = script
        .map((step, i) => ({ step, i }))
        .sort((a, b) => a.step.at - b.step.at || a.i - b.i);
      for (const { step } of ordered) {
        await sleep(clock, start + step.at - clock.now());
        if (closed) return;
        const wait = runStep(step);
        if (wait) pending.push(wait);
      }
      await Promise.all(pending);
    },
    setVoiceProvider: (provider) => {
      gateway.voice = provider ?? options.voice ?? voiceFallback;
      seedVoiceE2EE(gateway.voice);
    },
    endZstdFrame: (sessionId) => {
      let n = 0;
      eachConn(sessionId, (c) => {
        if (c.endZstdFrame()) n += 1;
      });
      return n;
    },
    connectionStats: () => ({
      connections: gateway.connections.size,
      pendingHandshakes: gateway.pendingHandshakes(),
      refusedUpgrades: gateway.refusedUpgrades,
    }),
  };

  function runStep(step: FaultStep): Promise<void> | undefined {
    const session = 'session' in step ? step.session : undefined;
    log(`script: ${step.do}`);
    switch (step.do) {
      case 'reconnect':
        control.reconnect(session);
        return undefined;
      case 'invalidate':
        control.invalidateSession(step.resumable, session);
        return undefined;
      case 'close':
        control.closeConnection(step.code, step.reason, session);
        return undefined;
      case 'drop':
        control.dropConnection(session);
        return undefined;
      case 'stopAck':
        control.setHeartbeatAck(false, session);
        return undefined;
      case 'startAck':
        control.setHeartbeatAck(true, session);
        return undefined;
      case 'heartbeat':
        control.requestHeartbeat(session);
        return undefined;
      case 'delay':
        control.setFrameDelay(step.ms);
        return undefined;
      case 'garbage': {
        const data =
          step.hex !== undefined
            ? Buffer.from(step.hex, 'hex')
            : step.text !== undefined
              ? step.text
              : randomBytes(step.bytes ?? 64);
        control.sendRaw(data, session);
        return undefined;
      }
      case 'bomb':
        control.sendCompressed(Buffer.alloc(step.bytes, 0x20), session);
        return undefined;
      case 'stream':
        return control.startStream({
          ratePerSecond: step.rate,
          count: step.count,
          ...(step.event !== undefined ? { event: step.event } : {}),
          ...(step.guildId !== undefined ? { guildId: step.guildId } : {}),
          ...(session !== undefined ? { sessionId: session } : {}),
        }).done;
      case 'dispatch':
        control.dispatch(step.event, step.data, {
          ...(step.guildId !== undefined ? { guildId: step.guildId } : {}),
          ...(session !== undefined ? { sessionId: session } : {}),
        });
        return undefined;
    }
  }

  return {
    restUrl: `http://127.0.0.1:${port}/api/v10`,
    apiUrl: `http://127.0.0.1:${port}/api`,
    gatewayUrl: gatewayUrl(),
    port,
    token,
    control,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const s of streams) s.stop();
      gateway.close();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      log('closed');
    },
  };
}
