/**
 * The demo bot, written only against @cordwire/bot's public API (plus @cordwire/audio's types):
 * the same code runs against the embedded emulator and against Discord.
 *
 * - /play joins the voice channel of the member who ran it (from the bot's cache of voice
 *   states), waits until the call's E2EE group formed (so listeners can decrypt the first note),
 *   and plays the song.
 * - /record records everyone in the call, one Ogg Opus file per user plus the mix.
 * - /leave stops the recording (the files are flushed) and leaves.
 */
import { EventEmitter } from 'node:events';
import {
  type BotVoiceConnection,
  type Client,
  type CommandInteraction,
  createClient,
  defineCommand,
  type VoiceRecording,
} from '@cordwire/bot';

export interface DemoBotOptions {
  readonly token: string;
  /** REST base (an emulator's restUrl); Discord's by default. */
  readonly apiUrl?: string;
  /** Trusted CA for the voice server's wss (the emulator's). */
  readonly voiceCa?: string;
  /** The Ogg Opus file /play plays. */
  readonly song: string;
  /** Where /record writes its files (must exist). */
  readonly recordings: string;
  readonly handleSignals?: boolean;
}

export interface RecordedFiles {
  /** File path per user id, and 'mix'. */
  readonly files: ReadonlyMap<string, string>;
  /** Length of every file in 20 ms frames. */
  readonly frames: number;
}

export type DemoBotEvents = {
  /** The bot is in `channelId` and its E2EE group formed (privacy code '' without E2EE). */
  joined: [call: BotVoiceConnection, privacyCode: string];
  playing: [call: BotVoiceConnection];
  recording: [call: BotVoiceConnection];
  left: [guildId: string, recorded: RecordedFiles | undefined];
  log: [line: string];
};

/** How long /play waits for the E2EE group before playing anyway. */
const E2EE_WAIT_MS = 10_000;

export class DemoBot extends EventEmitter<DemoBotEvents> {
  readonly client: Client;
  readonly #options: DemoBotOptions;
  readonly #recordings = new Map<string, VoiceRecording>();

  constructor(options: DemoBotOptions) {
    super();
    this.#options = options;
    this.client = createClient({
      token: options.token,
      ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
      intents: ['GUILDS', 'GUILD_VOICE_STATES'],
      handleSignals: options.handleSignals ?? true,
      ...(options.voiceCa ? { voice: { ca: options.voiceCa } } : {}),
    });
    this.client.command(
      defineCommand({
        name: 'play',
        description: 'Join your voice channel and play a song',
        run: (i) => this.#play(i),
      }),
    );
    this.client.command(
      defineCommand({
        name: 'record',
        description: 'Record everyone in the voice channel (one file per user, and the mix)',
        run: (i) => this.#record(i),
      }),
    );
    this.client.command(
      defineCommand({
        name: 'leave',
        description: 'Stop recording and leave the voice channel',
        run: (i) => this.#leave(i),
      }),
    );
  }

  /** Logs in and registers the commands in `guildId` (or globally without one). */
  async start(guildId?: string): Promise<void> {
    await this.client.login();
    await this.client.registerCommands(guildId ? { guildId } : {});
  }

  async #join(interaction: CommandInteraction): Promise<BotVoiceConnection | undefined> {
    const guildId = interaction.guildId;
    const channelId = guildId && this.client.cache.voiceState(guildId, interaction.user.id)?.channel_id;
    if (!guildId || !channelId) {
      await interaction.reply({ content: 'Join a voice channel first.', ephemeral: true });
      return undefined;
    }
    await interaction.deferReply();
    const existing = this.client.voice.connection(guildId);
    let call: BotVoiceConnection;
    try {
      call = await this.client.voice.join(guildId, channelId, { selfDeaf: false });
    } catch (err) {
      // Say so in the channel instead of leaving the reply "thinking"; the error is typed (BotError or voice-ws's).
      await interaction.editReply(`Could not join <#${channelId}>: ${(err as Error).message}`);
      return undefined;
    }
    if (existing === call) return call;
    call.on('leave', () => this.#recordings.delete(guildId));
    // With DAVE, listeners decrypt our audio only once the group's transition executed.
    await call.e2eeReady(E2EE_WAIT_MS).catch(() => ''); // the summary reports a missing code
    this.emit('log', `joined <#${channelId}>, E2EE privacy code ${call.privacyCode || 'none'}`);
    this.emit('joined', call, call.privacyCode);
    return call;
  }

  async #play(interaction: CommandInteraction): Promise<void> {
    const call = await this.#join(interaction);
    if (!call) return;
    call.player.enqueue(this.#options.song);
    this.emit('playing', call);
    await interaction.editReply(`Playing in <#${call.channelId}>.${codeLine(call)}`);
  }

  async #record(interaction: CommandInteraction): Promise<void> {
    const call = await this.#join(interaction);
    if (!call) return;
    if (!this.#recordings.has(call.guildId))
      this.#recordings.set(call.guildId, call.record({ directory: this.#options.recordings }));
    this.emit('recording', call);
    await interaction.editReply(`Recording everyone in <#${call.channelId}>.`);
  }

  async #leave(interaction: CommandInteraction): Promise<void> {
    const guildId = interaction.guildId;
    if (!guildId || !this.client.voice.connection(guildId)) {
      await interaction.reply({ content: 'I am not in a voice channel.', ephemeral: true });
      return;
    }
    await interaction.deferReply();
    const recording = this.#recordings.get(guildId);
    const recorded = recording ? await recording.stop() : undefined;
    await this.client.voice.leave(guildId);
    this.emit('left', guildId, recorded);
    await interaction.editReply(
      recorded ? `Left; wrote ${recorded.files.size} files (${recorded.frames * 20} ms each).` : 'Left.',
    );
  }
}

function codeLine(call: BotVoiceConnection): string {
  const code = call.privacyCode;
  return code ? ` End-to-end encrypted; privacy code ${code.replace(/(\d{5})(?=\d)/g, '$1 ')}.` : '';
}
