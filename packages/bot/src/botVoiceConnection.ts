/**
 * The bot's handle on one guild's voice call: the @cordwire/voice-ws connection with an
 * @cordwire/audio player already feeding its 20 ms send clock and a receiver fed from its
 * per-user frames, plus recordings that are flushed when the bot leaves.
 *
 * The handle lives as long as the bot stays in the call. Reconnects (voice server moves, 4015
 * resumes, rejoins after a gateway resume) happen inside the same VoiceConnection, so the player
 * keeps playing into it and the receiver (and every recording on it) keeps its timeline: a user
 * who comes back with a new SSRC goes on in the same file.
 */
import { EventEmitter } from 'node:events';
import {
  AudioPlayer,
  type AudioPlayerOptions,
  AudioReceiver,
  type AudioReceiverOptions,
  Recorder,
  type RecorderOptions,
  type RecordingSummary,
} from '@cordwire/audio';
import type { VoiceConnection, VoiceConnectionState } from '@cordwire/voice-ws';
import { BotError } from './errors.js';

export type BotVoiceEvents = {
  /** The connection's state changed (signalling, connecting, ready, disconnected, destroyed). */
  stateChange: [oldState: VoiceConnectionState, newState: VoiceConnectionState];
  /** The E2EE voice privacy code changed ('' when the call has no E2EE group). */
  privacyCode: [code: string];
  /** Users joined the call (op 11) / one left (op 13). */
  userJoin: [userIds: readonly string[]];
  userLeave: [userId: string];
  /** Speech started / stopped in a user's audio, on the receiver's timeline. */
  speakingStart: [userId: string];
  speakingEnd: [userId: string];
  /** The bot left the call (leave(), client shutdown, or the connection gave up); recordings are flushed. */
  leave: [];
};

export interface RecordOptions extends Omit<RecorderOptions, 'directory'> {
  /** Where the files go: `<userId>.opus` per user and `mix.opus`. The directory must exist. */
  readonly directory: string;
}

/** A recording in progress; `stop()` is idempotent and is called for you when the bot leaves. */
export class VoiceRecording {
  readonly directory: string;
  readonly #recorder: Recorder;
  #stopped: Promise<RecordingSummary> | undefined;
  readonly #onStop: () => void;

  constructor(recorder: Recorder, directory: string, onStop: () => void) {
    this.#recorder = recorder;
    this.directory = directory;
    this.#onStop = onStop;
  }

  /** Length so far in 20 ms frames (every file has this length). */
  get frames(): number {
    return this.#recorder.frames;
  }

  get recording(): boolean {
    return this.#stopped === undefined;
  }

  /** Writes the last pages and closes the files; resolves with the file per user and 'mix'. */
  stop(): Promise<RecordingSummary> {
    if (!this.#stopped) {
      this.#stopped = this.#recorder.stop();
      this.#onStop();
    }
    return this.#stopped;
  }
}

export interface BotVoiceConnectionOptions {
  readonly player?: AudioPlayerOptions;
  readonly receiver?: Omit<AudioReceiverOptions, 'timer'>;
}

export class BotVoiceConnection extends EventEmitter<BotVoiceEvents> {
  readonly guildId: string;
  /** The @cordwire/voice-ws connection underneath (stats, DAVE counters, raw frames). */
  readonly connection: VoiceConnection;
  /** What the bot says: enqueue or play tracks; its frames go out on the connection's 20 ms clock. */
  readonly player: AudioPlayer;
  /** What the bot hears: per-user jitter buffers, decoded PCM, the mix, speaking events. */
  readonly receiver: AudioReceiver;
  readonly #recordings = new Set<VoiceRecording>();
  #left: Promise<void> | undefined;

  constructor(connection: VoiceConnection, options: BotVoiceConnectionOptions = {}) {
    super();
    this.connection = connection;
    this.guildId = connection.guildId;
    this.player = new AudioPlayer(options.player);
    this.receiver = new AudioReceiver(options.receiver);
    this.receiver.start();
    connection.on('frame', (frame) => this.receiver.push(frame));
    connection.on('stateChange', (old, next) => {
      this.emit('stateChange', old, next);
      if (next.status === 'destroyed') void this.#finish();
    });
    connection.on('davePrivacyCode', (code) => this.emit('privacyCode', code));
    connection.on('clientConnect', (ids) => this.emit('userJoin', ids));
    connection.on('clientDisconnect', (id) => this.emit('userLeave', id));
    this.receiver.on('speakingStart', (id) => this.emit('speakingStart', id));
    this.receiver.on('speakingEnd', (id) => this.emit('speakingEnd', id));
    // The player hands out undefined between tracks ("nothing this tick"); it never ends the
    // source, so the connection keeps pulling from it across reconnects until the bot leaves.
    void connection.play(() => this.player.nextFrame());
  }

  get channelId(): string {
    return this.connection.channelId;
  }

  get status(): VoiceConnectionState['status'] {
    return this.connection.state.status;
  }

  /** The call's 30-digit voice privacy code ('' until the E2EE group formed, or without E2EE). */
  get privacyCode(): string {
    return this.connection.voicePrivacyCode;
  }

  /**
   * Resolves with the privacy code once the call's E2EE group has formed, so that what the bot
   * plays from then on can be decrypted by the listeners; with E2EE off it resolves with '' at once.
   * Rejects with `BotError` `E2EE_TIMEOUT` after `timeoutMs` (default 10 s).
   */
  e2eeReady(timeoutMs = 10_000): Promise<string> {
    if (this.privacyCode !== '' || this.connection.daveProtocolVersion === 0)
      return Promise.resolve(this.privacyCode);
    return new Promise((resolve, reject) => {
      const onCode = (code: string) => {
        if (code === '') return;
        clearTimeout(timer);
        this.off('privacyCode', onCode);
        resolve(code);
      };
      const timer = setTimeout(() => {
        this.off('privacyCode', onCode);
        reject(
          new BotError(
            'E2EE_TIMEOUT',
            `no E2EE group formed in channel ${this.channelId} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.on('privacyCode', onCode);
    });
  }

  /** The 45-digit code to compare out of band with `userId` (DAVE on). */
  verificationCode(userId: string): Promise<string> {
    return this.connection.getVerificationCode(userId);
  }

  /** Records every user (`<userId>.opus`) and the mix (`mix.opus`) from now until stop() or leave. */
  record(options: RecordOptions): VoiceRecording {
    const recorder = new Recorder(this.receiver, options);
    recorder.start();
    const recording = new VoiceRecording(recorder, options.directory, () =>
      this.#recordings.delete(recording),
    );
    this.#recordings.add(recording);
    return recording;
  }

  /** Recordings still running. */
  get recordings(): readonly VoiceRecording[] {
    return [...this.#recordings];
  }

  /** Leaves the channel: recordings are flushed first, then the connection closes. */
  leave(): Promise<void> {
    return this.#finish();
  }

  #finish(): Promise<void> {
    this.#left ??= (async () => {
      // The receiver's last slots go into the files before they close.
      this.receiver.stop();
      await Promise.allSettled([...this.#recordings].map((r) => r.stop()));
      this.player.destroy();
      if (this.connection.state.status !== 'destroyed') this.connection.destroy();
      this.emit('leave');
    })();
    return this.#left;
  }
}
