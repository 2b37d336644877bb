/**
 * The soundboard bot, written only against @cordwire/bot's public API: the same code runs
 * against the embedded emulator and against Discord.
 *
 * - /sound name:<sound> joins the voice channel of the member who ran it (from the bot's cache
 *   of voice states) and plays the clip with `player.play()`: mixed over whatever already plays,
 *   so sounds pile up instead of waiting in a queue. `name` autocompletes from the sound names.
 * - /sounds lists the sounds, visible only to whoever asked (an ephemeral reply).
 * - /stop leaves the voice channel.
 */
import { EventEmitter } from 'node:events';
import type { AudioTrack } from '@cordwire/audio';
import {
  type AutocompleteInteraction,
  type BotVoiceConnection,
  type Client,
  type CommandInteraction,
  createClient,
  defineCommand,
} from '@cordwire/bot';
import type { Sound } from './sounds.js';

export interface SoundboardOptions {
  readonly token: string;
  readonly sounds: readonly Sound[];
  /** REST base (an emulator's restUrl); Discord's by default. */
  readonly apiUrl?: string;
  /** Trusted CA for the voice server's wss (the emulator's). */
  readonly voiceCa?: string;
  readonly handleSignals?: boolean;
}

export type SoundboardEvents = {
  /** A sound started in `call`; `track.finished` resolves when it has been sent. */
  played: [call: BotVoiceConnection, sound: Sound, track: AudioTrack];
  left: [guildId: string];
  log: [line: string];
};

/** How long /sound waits for the call's E2EE group before playing anyway. */
const E2EE_WAIT_MS = 10_000;

export class Soundboard extends EventEmitter<SoundboardEvents> {
  readonly client: Client;
  readonly sounds: ReadonlyMap<string, Sound>;

  constructor(options: SoundboardOptions) {
    super();
    this.sounds = new Map(options.sounds.map((s) => [s.name, s]));
    this.client = createClient({
      token: options.token,
      ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
      intents: ['GUILDS', 'GUILD_VOICE_STATES'],
      handleSignals: options.handleSignals ?? true,
      ...(options.voiceCa ? { voice: { ca: options.voiceCa } } : {}),
    });
    this.client.command(
      defineCommand({
        name: 'sound',
        description: 'Play a sound in your voice channel, over whatever is playing',
        options: [
          { name: 'name', description: 'which sound', type: 'string', required: true, autocomplete: true },
        ],
        run: (i) => this.#sound(i, i.options.name),
        autocomplete: (i) => this.#complete(i),
      }),
    );
    this.client.command(
      defineCommand({
        name: 'sounds',
        description: 'List the sounds',
        run: (i) => this.#list(i),
      }),
    );
    this.client.command(
      defineCommand({
        name: 'stop',
        description: 'Leave the voice channel',
        run: (i) => this.#stop(i),
      }),
    );
  }

  /** Logs in and registers the commands in `guildId` (or globally without one). */
  async start(guildId?: string): Promise<void> {
    await this.client.login();
    await this.client.registerCommands(guildId ? { guildId } : {});
  }

  #complete(interaction: AutocompleteInteraction): Promise<void> {
    const typed = interaction.focused.value.toLowerCase();
    const names = [...this.sounds.keys()];
    // Names that start with what was typed first, then names that merely contain it.
    const hits = [
      ...names.filter((n) => n.startsWith(typed)),
      ...names.filter((n) => !n.startsWith(typed) && n.includes(typed)),
    ];
    return interaction.respond(hits.map((name) => ({ name, value: name })));
  }

  async #list(interaction: CommandInteraction): Promise<void> {
    const lines = [...this.sounds.values()].map(
      (s) => `- **${s.name}**: ${s.description} (${s.seconds.toFixed(1)} s)`,
    );
    await interaction.reply({
      content: `Sounds (play one with /sound):\n${lines.join('\n')}`,
      ephemeral: true,
    });
  }

  async #sound(interaction: CommandInteraction, name: string): Promise<void> {
    const sound = this.sounds.get(name);
    if (!sound) {
      await interaction.reply({
        content: `There is no sound "${name}"; /sounds lists them.`,
        ephemeral: true,
      });
      return;
    }
    const guildId = interaction.guildId;
    const channelId = guildId && this.client.cache.voiceState(guildId, interaction.user.id)?.channel_id;
    if (!guildId || !channelId) {
      await interaction.reply({ content: 'Join a voice channel first.', ephemeral: true });
      return;
    }
    // Joining (and forming the E2EE group) can take longer than the 3 s a reply may wait.
    await interaction.deferReply();
    const call = await this.client.voice.join(guildId, channelId, { selfDeaf: true });
    // With DAVE, listeners can decrypt our audio only once the group's transition executed.
    await call.e2eeReady(E2EE_WAIT_MS).catch(() => ''); // play anyway; listeners without keys miss it
    const track = call.player.play(sound.path);
    this.emit('log', `playing ${sound.name} in <#${channelId}>`);
    this.emit('played', call, sound, track);
    await interaction.editReply(`🔊 **${sound.name}**`);
  }

  async #stop(interaction: CommandInteraction): Promise<void> {
    const guildId = interaction.guildId;
    if (!guildId || !this.client.voice.connection(guildId)) {
      await interaction.reply({ content: 'I am not in a voice channel.', ephemeral: true });
      return;
    }
    await this.client.voice.leave(guildId);
    this.emit('left', guildId);
    await interaction.reply('Bye.');
  }
}
