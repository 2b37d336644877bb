/**
 * A simulated user's side of a voice call, with the same voice client a bot uses:
 * @cordwire/voice-ws's VoiceConnection. Its adapter plays the main gateway's part the way
 * Discord does for a user's client: op 4 changes the user's voice state in the world (the bot
 * sees VOICE_STATE_UPDATE), the voice provider allocates a seat, and the client gets
 * VOICE_STATE_UPDATE then VOICE_SERVER_UPDATE and connects to the voice server over WebSocket
 * and UDP like any member.
 *
 * @cordwire/voice-ws is loaded when a user first joins voice, not imported: its own tests use
 * this package's voice server, so a build dependency on it would be a cycle. It is an optional
 * peer dependency; without it, joining voice fails with a typed error saying what to install.
 */
import { randomBytes } from 'node:crypto';
import { EmulatorError } from '../errors.js';
import type { VoiceJoins } from '../voiceJoins.js';
import type { VoiceProvider } from '../voiceProvider.js';
import { VoiceRecording } from './voiceRecording.js';

/** Opus frames to speak: an iterable, an async iterable, or a pull function (null at the end). */
export type OpusFrames = Iterable<Uint8Array> | AsyncIterable<Uint8Array> | (() => Uint8Array | null);

export interface JoinVoiceOptions {
  selfMute?: boolean;
  selfDeaf?: boolean;
  /**
   * Offer DAVE (E2EE) to the voice server. Passed through to the voice client as
   * `maxDaveProtocolVersion` 1 (true) or 0 (false, the default): the emulator's voice server
   * negotiates DAVE only once its external sender lands.
   */
  dave?: boolean;
  /** How long to wait for the voice connection to be ready (default 15000 ms). */
  timeoutMs?: number;
}

/** The part of @cordwire/voice-ws's VoiceConnection a simulated user drives. */
interface VoiceClient {
  readonly state: { readonly status: string };
  readonly channelId: string;
  on(event: 'frame', fn: (frame: { ssrc: number; userId: string; opus: Uint8Array | null }) => void): unknown;
  on(event: 'stateChange', fn: (from: { status: string }, to: { status: string }) => void): unknown;
  off(event: 'stateChange', fn: (from: { status: string }, to: { status: string }) => void): unknown;
  ready(timeoutMs?: number): Promise<void>;
  play(frames: OpusFrames): Promise<void>;
  stopPlaying(): void;
  moveTo(channelId: string): boolean;
  flushReceive(): void;
  destroy(): void;
}

interface VoiceWsModule {
  VoiceConnection: new (options: Record<string, unknown>) => VoiceClient;
}

const VOICE_WS = '@cordwire/voice-ws';
let voiceWs: Promise<VoiceWsModule> | undefined;

function loadVoiceWs(): Promise<VoiceWsModule> {
  voiceWs ??= (import(/* @vite-ignore */ VOICE_WS) as Promise<VoiceWsModule>).catch((err: unknown) => {
    voiceWs = undefined;
    throw new EmulatorError(
      'EMULATOR_NO_VOICE_CLIENT',
      `simulated users join voice with @cordwire/voice-ws; install it next to @cordwire/emulator (${
        err instanceof Error ? err.message : String(err)
      })`,
    );
  });
  return voiceWs;
}

/** The voice server's CA when the provider is the emulator's voice server (TLS trust for the client). */
function caOf(provider: VoiceProvider): string | undefined {
  const ca = (provider as { caPem?: unknown }).caPem;
  return typeof ca === 'string' ? ca : undefined;
}

export class VoiceMember {
  readonly recording = new VoiceRecording();
  /** The main gateway session id this user's voice state carries. */
  readonly sessionId = randomBytes(16).toString('hex');
  private client: VoiceClient | undefined;
  private guild: string | undefined;
  /** The last op 4 the client sent, until the world and the voice provider answered it. */
  private signalled: Promise<void> = Promise.resolve();

  constructor(
    private readonly userId: string,
    private readonly joins: VoiceJoins,
    private readonly log: (line: string) => void,
  ) {}

  get guildId(): string | undefined {
    return this.client ? this.guild : undefined;
  }

  get channelId(): string | undefined {
    return this.client?.channelId;
  }

  /** Joins (or, in the same guild, moves to) a voice channel; resolves once media can flow. */
  async join(guildId: string, channelId: string, opts: JoinVoiceOptions = {}): Promise<void> {
    if (this.client && this.guild === guildId) {
      await this.move(channelId, opts.timeoutMs);
      return;
    }
    if (this.client) this.leave();
    const { VoiceConnection } = await loadVoiceWs();
    const ca = caOf(this.joins.provider);
    const client = new VoiceConnection({
      guildId,
      channelId,
      adapterCreator: (methods: {
        onVoiceServerUpdate(d: { token: string; guild_id: string; endpoint: string | null }): void;
        onVoiceStateUpdate(d: Record<string, unknown>): void;
      }) => ({
        sendPayload: (payload: {
          d: { guild_id: string; channel_id: string | null; self_mute: boolean; self_deaf: boolean };
        }) => {
          const d = payload.d;
          this.signalled = this.joins
            .update({
              guildId: d.guild_id,
              userId: this.userId,
              sessionId: this.sessionId,
              channelId: d.channel_id,
              selfMute: d.self_mute,
              selfDeaf: d.self_deaf,
            })
            .then((server) => {
              // Discord's order: the user's own VOICE_STATE_UPDATE, then VOICE_SERVER_UPDATE.
              methods.onVoiceStateUpdate({
                session_id: this.sessionId,
                user_id: this.userId,
                guild_id: d.guild_id,
                channel_id: d.channel_id,
                self_mute: d.self_mute,
                self_deaf: d.self_deaf,
              });
              if (server) {
                methods.onVoiceServerUpdate({
                  token: server.token,
                  guild_id: d.guild_id,
                  endpoint: server.endpoint,
                });
              }
            })
            .catch((err: unknown) => {
              this.log(
                `user ${this.userId}: voice state update failed: ${err instanceof Error ? err.message : err}`,
              );
            });
          return true;
        },
        destroy: () => {},
      }),
      selfMute: opts.selfMute ?? false,
      selfDeaf: opts.selfDeaf ?? false,
      maxDaveProtocolVersion: opts.dave ? 1 : 0,
      debug: (line: string) => this.log(`user ${this.userId} voice: ${line}`),
      ...(ca !== undefined ? { ca } : {}),
    });
    this.client = client;
    this.guild = guildId;
    client.on('frame', (frame) => this.recording.add(frame));
    try {
      await client.ready(opts.timeoutMs ?? 15_000);
    } catch (err) {
      this.leave();
      throw err;
    }
  }

  /**
   * Moves to another channel of the same guild; resolves once connected there. The emulator's
   * voice server keeps the seat on a move (same token), so the connection usually stays up and
   * only its channel changes; a provider that hands out a new seat makes the client reconnect.
   */
  async move(channelId: string, timeoutMs = 15_000): Promise<void> {
    const client = this.requireClient();
    if (client.channelId === channelId && client.state.status === 'ready') return;
    client.moveTo(channelId);
    // The adapter answered the op 4 (voice state, then voice server) once this settles.
    await this.signalled;
    await client.ready(timeoutMs);
  }

  /** Leaves the call (op 4 with channel null: the bot sees her VOICE_STATE_UPDATE with channel_id null). */
  leave(): void {
    const client = this.client;
    this.client = undefined;
    this.guild = undefined;
    if (!client) return;
    client.flushReceive();
    client.destroy();
  }

  /** Speaks Opus frames into the call at 20 ms each; resolves when they (and the trailing silence) went out. */
  speak(frames: OpusFrames): Promise<void> {
    return this.requireClient().play(frames);
  }

  stopSpeaking(): void {
    this.client?.stopPlaying();
  }

  /** Releases frames the playout buffer still holds into the recording. */
  flush(): void {
    this.client?.flushReceive();
  }

  private requireClient(): VoiceClient {
    if (!this.client)
      throw new EmulatorError('EMULATOR_NOT_IN_VOICE', `user ${this.userId} is not in a voice channel`);
    return this.client;
  }
}
