/**
 * startEmulator: a local Discord on one HTTP server on 127.0.0.1 — REST under /api and the main
 * gateway WebSocket on every other path — with a control handle for dispatches and faults.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PRIVILEGED_INTENTS_MASK } from '@cordwire/opcodes';
import { WebSocketServer } from 'ws';
import { systemClock, type EmulatorClock } from './clock.js';
import { EmulatorError } from './errors.js';
import { createGatewayControl, type GatewayControl } from './gateway/gatewayControl.js';
import { GatewayServer } from './gateway/gatewayServer.js';
import { DISCORD_SEND_LIMIT, type SendLimit } from './gateway/sendRateLimit.js';
import { SessionStartLimit } from './gateway/sessionStartLimit.js';
import { initZstd, type ZstdFraming } from './gateway/transportCompression.js';
import { answerHttp, gatewayUpgradeHandler } from './gateway/upgrade.js';
import type { RateLimitOptions } from './rest/rateLimits.js';
import { type RestControl, RestServer, restControl } from './rest/restServer.js';
import { defaultSeed, type EmulatorSeed, normalizeSeed } from './seed.js';
import { BotActivity, SimulatedUsers } from './users/index.js';
import { startVoiceServer, type VoiceServer, type VoiceServerOptions } from './voice/index.js';
import { VoiceJoins } from './voiceJoins.js';
import type { VoiceProvider } from './voiceProvider.js';
import { World } from './world/index.js';

export type { GatewayControl, ReceivedDispatch } from './gateway/gatewayControl.js';

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
  /**
   * What an IDENTIFY that comes before its bucket is free gets: 'queue' (default) holds it until
   * the bucket frees; 'refuse' closes the connection with 4008 and records it in
   * identifyRefusals(), to test that a bot's processes share one identify queue.
   */
  identifyPolicy?: 'queue' | 'refuse';
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
  /** Largest REST request body before 413 (default 8 MiB). */
  restMaxBodyBytes?: number;
  /** REST rate limits: `{ enabled: false }` turns them off; `globalPerSecond` (default 50). */
  restRateLimits?: RateLimitOptions;
  /** Dispatches kept per session for `control.received()` (default 10000). */
  receivedLogSize?: number;
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
  /** Gateway connections one remote address may hold before its upgrades get HTTP 503 (default 5000). */
  maxConnectionsPerAddress?: number;
  /**
   * How long a TCP connection may take to send complete request headers (REST or the gateway's
   * upgrade), idle connections included, before Node answers 408 and closes it (default 10000).
   */
  headersTimeoutMs?: number;
  /** How long a connection may stay unidentified after HELLO before it is closed with 4009 (default 30000). */
  identifyTimeoutMs?: number;
  /** Bare host:port in VOICE_SERVER_UPDATE when no voice provider is set (default: the emulator's). */
  voiceEndpoint?: string;
  /** Answers op 4 joins with a voice server and token; see VoiceProvider. */
  voice?: VoiceProvider;
  /**
   * Start the emulator's own voice server (wss + UDP relay) and answer op 4 joins with it, for
   * bots and simulated users alike (`emu.voice`); closed with the emulator. `true` for the
   * defaults, or its options. Ignored when `voice` is given.
   */
  voiceServer?: boolean | VoiceServerOptions;
  /** Never receives a token. */
  logger?: (line: string) => void;
  /** Time source for every timer (tests). */
  clock?: EmulatorClock;
}

export interface EmulatorControl extends GatewayControl {
  /** REST faults (429 storms, 5xx, slow answers), rate-limit switches and the request log. */
  rest: RestControl;
  /** Replaces the voice provider (the voice server attaches here). */
  setVoiceProvider(provider: VoiceProvider | undefined): void;
}

export interface Emulator {
  /** REST base with the version, e.g. http://127.0.0.1:PORT/api/v10. */
  readonly restUrl: string;
  /** REST base without the version, as @discordjs/rest's `api` option expects. */
  readonly apiUrl: string;
  /** ws://127.0.0.1:PORT, also what GET /gateway(/bot) returns. */
  readonly gatewayUrl: string;
  /**
   * READY's `resume_gateway_url`: ws://127.0.0.1:PORT/resume. The same server; a distinct URL
   * so `control.resumeLog()` shows whether a client resumed where Discord told it to.
   */
  readonly resumeGatewayUrl: string;
  readonly port: number;
  readonly token: string;
  readonly control: EmulatorControl;
  /** The world REST, the gateway and simulated users share: guilds, members, messages, commands. */
  readonly world: World;
  /** Simulated users: `emu.users.create({ username: 'alice' })`, then `alice.say(channelId, 'hi')`. */
  readonly users: SimulatedUsers;
  /** What the bot did: the messages it sent, and a way to await the next one. */
  readonly bot: BotActivity;
  /** The voice server started by `voiceServer`, if any. */
  readonly voice: VoiceServer | undefined;
  close(): Promise<void>;
}

/** A token of Discord's shape (base64 user id . timestamp . hmac), random each run. */
function generateToken(botId: string): string {
  const id = Buffer.from(botId).toString('base64url');
  return `${id}.${randomBytes(4).toString('base64url')}.${randomBytes(27).toString('base64url')}`;
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
  const world = new World(normalizeSeed(options.seed ?? defaultSeed), clock);
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
  const maxConnectionsPerAddress = positive(
    'maxConnectionsPerAddress',
    options.maxConnectionsPerAddress,
    5000,
  );
  await initZstd();

  let port = 0;
  const gatewayUrl = () => `ws://127.0.0.1:${port}`;
  const resumePath = '/resume';
  const resumeGatewayUrl = () => `ws://127.0.0.1:${port}${resumePath}`;
  const voiceFallback: VoiceProvider = {
    allocate: () => ({
      endpoint: options.voiceEndpoint ?? `127.0.0.1:${port}`,
      token: randomBytes(16).toString('hex'),
    }),
    release: () => {},
  };

  const ownVoice =
    options.voice === undefined && options.voiceServer
      ? await startVoiceServer({ ...(options.voiceServer === true ? {} : options.voiceServer) })
      : undefined;
  const defaultVoice = options.voice ?? ownVoice ?? voiceFallback;
  const voiceJoins = new VoiceJoins(world, defaultVoice, log);
  const users = new SimulatedUsers(world, voiceJoins, log);
  const bot = new BotActivity(world);
  let closed = false;
  const gateway = new GatewayServer(
    {
      token,
      clock,
      maxConcurrency,
      identifyIntervalMs: positive('identifyIntervalMs', options.identifyIntervalMs, 5000, 0),
      identifyPolicy: options.identifyPolicy === 'refuse' ? 'refuse' : 'queue',
      heartbeatIntervalMs,
      heartbeatGraceMs: positive('heartbeatGraceMs', options.heartbeatGraceMs, heartbeatIntervalMs / 2, 0),
      sessionTimeoutMs: positive('sessionTimeoutMs', options.sessionTimeoutMs, 60_000),
      replayBufferSize: positive('replayBufferSize', options.replayBufferSize, 2000, 0),
      allowedIntents: options.allowedIntents ?? PRIVILEGED_INTENTS_MASK,
      requireSharding: positive('requireSharding', options.requireSharding, 2500, 0),
      sendLimit: options.sendLimit ?? DISCORD_SEND_LIMIT,
      memberChunkSize: positive('memberChunkSize', options.memberChunkSize, 1000),
      receivedLogSize: positive('receivedLogSize', options.receivedLogSize, 10_000, 0),
      sessionStartLimit,
      reconnectGraceMs: positive('reconnectGraceMs', options.reconnectGraceMs, 5000, 0),
      zstdFraming,
      maxConnections: positive('maxConnections', options.maxConnections, 10_000),
      maxPendingHandshakes: positive('maxPendingHandshakes', options.maxPendingHandshakes, 4096),
      identifyTimeoutMs: positive('identifyTimeoutMs', options.identifyTimeoutMs, 30_000),
      resumePath,
      log,
    },
    world,
    resumeGatewayUrl,
    voiceJoins,
  );
  gateway.presence = (userId) => users.presenceOf(userId);
  // Every change to the world that Discord announces reaches the sessions that may see it.
  world.on('dispatch', ({ event, data, guildId }) => {
    if (!closed) gateway.dispatch(event, data, guildId !== undefined ? { guildId } : {});
  });
  /** Seeded E2EE settings go to whichever voice provider takes the calls. */
  const seedVoiceE2EE = (provider: VoiceProvider) => {
    for (const guild of world.guilds.values())
      for (const [channelId, setting] of guild.voiceE2EE)
        provider.setChannelE2EE?.(guild.id, channelId, setting);
  };
  seedVoiceE2EE(voiceJoins.provider);

  const rest = new RestServer({
    world,
    token,
    clock,
    log,
    gateway: { gatewayUrl, shards, maxConcurrency, sessionStartLimit: () => sessionStartLimit.info() },
    maxBodyBytes: positive('restMaxBodyBytes', options.restMaxBodyBytes, 8 * 1024 * 1024),
    ...(options.restRateLimits !== undefined ? { rateLimits: options.restRateLimits } : {}),
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  // REST answers every request itself (errors included), so nothing escapes to the server.
  const headersTimeoutMs = positive('headersTimeoutMs', options.headersTimeoutMs, 10_000);
  // Idle and half-sent requests are checked this often (Node's default is 30 s).
  const server: Server = createServer(
    { connectionsCheckingInterval: Math.min(1000, headersTimeoutMs) },
    (req, res) => rest.handle(req, res),
  );
  // A request Node's parser rejects (bad request line, oversized headers) gets a 400, never a throw.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) =>
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? answerHttp(socket, 408, 'request headers not received in time')
      : answerHttp(socket, 400, 'malformed request'),
  );
  // A peer that opens a socket and trickles headers holds it at most this long.
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = Math.max(30_000, headersTimeoutMs);
  server.on(
    'upgrade',
    gatewayUpgradeHandler({
      gateway,
      wss,
      maxConnectionsPerAddress,
      log,
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  log(`listening on 127.0.0.1:${port}`);

  const gatewayControl = createGatewayControl(gateway, world, clock, log, () => closed);
  const control: EmulatorControl = {
    ...gatewayControl.control,
    rest: restControl(rest),
    setVoiceProvider: (provider) => {
      voiceJoins.provider = provider ?? defaultVoice;
      seedVoiceE2EE(voiceJoins.provider);
    },
  };

  return {
    restUrl: `http://127.0.0.1:${port}/api/v10`,
    apiUrl: `http://127.0.0.1:${port}/api`,
    gatewayUrl: gatewayUrl(),
    resumeGatewayUrl: resumeGatewayUrl(),
    port,
    token,
    control,
    world,
    users,
    bot,
    voice: ownVoice,
    close: async () => {
      if (closed) return;
      closed = true;
      users.dispose();
      gatewayControl.stopStreams();
      gateway.close();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ownVoice?.close();
      log('closed');
    },
  };
}
