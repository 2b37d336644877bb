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
import { loadAudio } from './audioModule.js';
import { asOpusFrames, type OpusFrames, type SpeakSource, speakFrames } from './speakSource.js';
import { VoiceRecording } from './voiceRecording.js';

export type { OpusFrames } from './speakSource.js';

export interface JoinVoiceOptions {
  selfMute?: boolean;
  selfDeaf?: boolean;
  /**
   * DAVE (E2EE), as Discord clients do: on by default (the voice client offers protocol version
   * 1 and joins the call's MLS group; a channel with E2EE off or optional without it simply runs
   * unencrypted). `false` offers none, which an E2EE-required channel refuses (close 4017).
   */
  dave?: boolean;
  /**
   * How long to wait for the voice connection to be ready and, with DAVE, for her to be in the
   * call's E2EE group (default 15000 ms).
   */
  timeoutMs?: number;
}

/** The part of @cordwire/voice-ws's VoiceConnection a simulated user drives. */
interface VoiceClient {
  readonly state: { readonly status: string };
  readonly channelId: string;
  readonly daveProtocolVersion: number;
  readonly voicePrivacyCode: string;
  readonly connectedUsers: ReadonlySet<string>;
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

/** The part of the emulator's voice server's DAVE state a joining user waits on. */
interface DaveChannelView {
  readonly protocolVersion: number;
  readonly members: ReadonlyArray<{
    readonly userId: string;
    readonly daveCapable: boolean;
    readonly leafIndex: number | null;
  }>;
  readonly pendingProposals: readonly unknown[];
  readonly pendingTransition: unknown;
}

/** `control.dave(guildId, channelId)` when the provider is the emulator's voice server. */
function daveStateOf(
  provider: VoiceProvider,
): ((guildId: string, channelId: string) => DaveChannelView | undefined) | undefined {
  const control = (provider as { control?: { dave?: unknown } }).control;
  const dave = control?.dave;
  return typeof dave === 'function'
    ? (g, c) => (dave as (g: string, c: string) => DaveChannelView | undefined).call(control, g, c)
    : undefined;
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
    // Loaded now (if installed) so that what she hears can be decoded later without awaiting.
    await loadAudio().catch(() => undefined);
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
      ...(opts.dave === false ? { dave: false } : {}),
      debug: (line: string) => this.log(`user ${this.userId} voice: ${line}`),
      ...(ca !== undefined ? { ca } : {}),
    });
    this.client = client;
    this.guild = guildId;
    client.on('frame', (frame) => this.recording.add(frame));
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    try {
      await client.ready(opts.timeoutMs ?? 15_000);
      await this.inE2EEGroup(client, guildId, deadline);
    } catch (err) {
      this.leave();
      throw err;
    }
  }

  /**
   * Moves to another channel of the same guild; resolves once connected there. The emulator's
   * voice server keeps the seat on a move (same token), so the connection usually stays up and
   * only its channel changes; a provider that hands out a new seat makes the client reconnect.
   * In a DAVE call the bot sees one VOICE_STATE_UPDATE with the new channel: the voice client
   * drops the old channel's MLS group and joins the new channel's from the op 25 the server sends
   * for it, and this resolves once she is in that group.
   */
  async move(channelId: string, timeoutMs = 15_000): Promise<void> {
    const client = this.requireClient();
    if (client.channelId === channelId && client.state.status === 'ready') return;
    client.moveTo(channelId);
    // The adapter answered the op 4 (voice state, then voice server) once this settles.
    await this.signalled;
    const deadline = Date.now() + timeoutMs;
    await client.ready(timeoutMs);
    await this.inE2EEGroup(client, this.guild!, deadline);
  }

  /**
   * With DAVE in effect, media flows only once she holds the group's keys: until then her frames
   * are dropped unsent and others' are undecryptable. The emulator's voice server knows the
   * channel's MLS state, so the wait ends when no proposal or transition is pending and she is
   * in the group with its privacy code (or is the only DAVE member: a group needs two). With
   * another provider, she waits for a privacy code while others are in the call.
   */
  private async inE2EEGroup(client: VoiceClient, guildId: string, deadline: number): Promise<void> {
    const dave = daveStateOf(this.joins.provider);
    for (;;) {
      if (client.state.status !== 'ready')
        throw new EmulatorError(
          'EMULATOR_VOICE_FAILED',
          `user ${this.userId}: voice connection ${client.state.status}`,
        );
      if (client.daveProtocolVersion === 0 && client.voicePrivacyCode === '') {
        // Transport encryption only, unless the server is about to upgrade the call.
        const state = dave?.(guildId, client.channelId);
        if (!state || (state.protocolVersion === 0 && state.pendingTransition === null)) return;
      } else if (dave) {
        const state = dave(guildId, client.channelId);
        if (!state) return;
        const settled = state.pendingProposals.length === 0 && state.pendingTransition === null;
        const me = state.members.find((m) => m.userId === this.userId);
        const capable = state.members.filter((m) => m.daveCapable).length;
        if (settled && (capable <= 1 || (me?.leafIndex != null && client.voicePrivacyCode !== ''))) return;
      } else if (client.voicePrivacyCode !== '' || client.connectedUsers.size === 0) return;
      if (Date.now() > deadline)
        throw new EmulatorError(
          'EMULATOR_VOICE_TIMEOUT',
          `user ${this.userId}: not in the call's E2EE group in time`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Resolves once her connection is ready and, in a DAVE call, no MLS change is pending and she
   * holds the group's keys: after someone else joined (a bot), the moment her audio reaches them.
   */
  async settled(timeoutMs = 15_000): Promise<void> {
    const client = this.requireClient();
    const deadline = Date.now() + timeoutMs;
    await client.ready(timeoutMs);
    await this.inE2EEGroup(client, this.guild!, deadline);
  }

  /** The call's voice privacy code ('' without DAVE), the same for every member of its E2EE group. */
  get voicePrivacyCode(): string {
    return this.client?.voicePrivacyCode ?? '';
  }

  /** The DAVE protocol version in effect (0: transport encryption only), undefined outside voice. */
  get daveProtocolVersion(): number | undefined {
    return this.client?.daveProtocolVersion;
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

  /**
   * Speaks into the call at 20 ms per frame: Opus frames as they are, or an Ogg Opus file, PCM or
   * a tone encoded with @cordwire/audio. Resolves when it (and the trailing silence) went out.
   */
  speak(source: SpeakSource): Promise<void> {
    const client = this.requireClient();
    // Opus frames start playing now, as before (a stopSpeaking() right after stops them).
    const opus = asOpusFrames(source);
    if (opus) return client.play(opus);
    return speakFrames(source).then(async ({ frames, close }) => {
      try {
        await client.play(frames);
      } finally {
        close();
      }
    });
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
