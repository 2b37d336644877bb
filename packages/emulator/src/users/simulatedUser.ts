/**
 * A simulated user: someone in the world who types, runs commands, clicks, talks and listens,
 * so a bot under test meets the events Discord would send it. Every action changes the world
 * model, and the world announces it on the gateway (intents respected there).
 */
import { EmulatorError } from '../errors.js';
import type { PresenceState } from '../gateway/guildPayloads.js';
import {
  type InteractionResponse,
  type InteractionState,
  type MessageInput,
  type MessageState,
  World,
} from '../world/index.js';
import type { WorldUser } from '../seed.js';
import { audioIfLoaded } from './audioModule.js';
import { HeardAudio } from './heardAudio.js';
import type { SpeakSource } from './speakSource.js';
import { type JoinVoiceOptions, VoiceMember } from './voiceMember.js';
import type { VoiceRecording } from './voiceRecording.js';
import type { VoiceJoins } from '../voiceJoins.js';

export type PresenceStatus = PresenceState['status'];

/**
 * What she heard: call it for the decoded audio (`heard(userId?)`: frames, duration, PCM, pitch),
 * or use the recording's methods on it directly (`heard.frames(userId?)`, `durationMs`, `bySsrc`).
 */
export type Heard = ((userId?: string) => HeardAudio) &
  Pick<VoiceRecording, 'add' | 'bySsrc' | 'frames' | 'durationMs' | 'clear'>;

/** An option of a slash command as a user types it. */
export interface CommandOption {
  name: string;
  /** Discord's option type (3 string, 4 integer, 5 boolean, 6 user, 7 channel, 8 role, 10 number, 1/2 sub). */
  type: number;
  value?: unknown;
  options?: CommandOption[];
  focused?: boolean;
}

/** An interaction a simulated user started, and the bot's answers to it. */
export class SimulatedInteraction {
  constructor(
    private readonly world: World,
    readonly state: InteractionState,
  ) {}

  get id(): string {
    return this.state.id;
  }

  get token(): string {
    return this.state.token;
  }

  /** Every answer so far, in order. */
  get responses(): readonly InteractionResponse[] {
    return this.state.responses;
  }

  /** The next answer `match` accepts (the first answer by default); rejects after `timeoutMs` (10 s). */
  response(match?: (r: InteractionResponse) => boolean, timeoutMs = 10_000): Promise<InteractionResponse> {
    return this.world.interactions.waitForResponse(this.state.id, match, { timeoutMs });
  }

  /** The bot's interaction callback (reply, deferred reply, update, modal, autocomplete). */
  callback(timeoutMs?: number): Promise<InteractionResponse> {
    return this.response((r) => r.kind === 'callback', timeoutMs);
  }

  /** The reply's content once the bot replied, or edited its deferred reply. */
  async reply(timeoutMs?: number): Promise<InteractionResponse> {
    return this.response(
      (r) =>
        (r.kind === 'callback' && (r.callbackType === 4 || r.callbackType === 7)) ||
        r.kind === 'editOriginal',
      timeoutMs,
    );
  }

  /** The `n`th follow-up message (0 = the first). */
  followUp(n = 0, timeoutMs?: number): Promise<InteractionResponse> {
    let seen = 0;
    return this.response((r) => r.kind === 'followup' && seen++ === n, timeoutMs);
  }
}

export class SimulatedUser {
  private readonly voiceMember: VoiceMember;
  private presenceState: PresenceState = { status: 'online', activities: [] };

  constructor(
    private readonly world: World,
    readonly user: WorldUser,
    joins: VoiceJoins,
    private readonly onPresence: (user: SimulatedUser) => void,
    log: (line: string) => void,
  ) {
    this.voiceMember = new VoiceMember(user.id, joins, log);
  }

  get id(): string {
    return this.user.id;
  }

  get username(): string {
    return this.user.username;
  }

  get presence(): PresenceState {
    return this.presenceState;
  }

  /** Guilds this user is a member of. */
  guildIds(): string[] {
    return [...this.world.guilds.values()].filter((g) => g.members.has(this.id)).map((g) => g.id);
  }

  // ---- text ----------------------------------------------------------------------------------

  /** Sends a message (MESSAGE_CREATE to the bot; content stripped without MESSAGE_CONTENT). */
  say(channelId: string, content: string | MessageInput): MessageState {
    return this.world.postMessage(channelId, this.id, typeof content === 'string' ? { content } : content);
  }

  /** Replies to a message (a message_reference to it). */
  reply(channelId: string, messageId: string, content: string): MessageState {
    return this.world.postMessage(channelId, this.id, {
      content,
      message_reference: { message_id: messageId },
    });
  }

  /**
   * Sends the bot a direct message: MESSAGE_CREATE without a guild (DIRECT_MESSAGES intent; DMs
   * keep their content without MESSAGE_CONTENT, as on Discord). Returns the message; its
   * `channel_id` is the DM channel the bot answers in.
   */
  dm(content: string | MessageInput): MessageState {
    const channel = this.world.dmChannel(this.id);
    return this.world.postMessage(channel.id, this.id, typeof content === 'string' ? { content } : content);
  }

  /** TYPING_START in a channel. */
  type(channelId: string): void {
    this.world.startTyping(channelId, this.id);
  }

  /** Adds a reaction (a unicode emoji or `name:id`). */
  react(channelId: string, messageId: string, emoji: string): void {
    this.world.addReaction(channelId, messageId, this.id, World.parseEmoji(emoji));
  }

  // ---- interactions --------------------------------------------------------------------------

  /** Runs a slash command the bot registered (guild command first, then global): INTERACTION_CREATE. */
  runCommand(channelId: string, name: string, options?: CommandOption[]): SimulatedInteraction {
    const state = this.world.interactions.runCommand({
      userId: this.id,
      channelId,
      name,
      ...(options !== undefined ? { options } : {}),
    });
    return new SimulatedInteraction(this.world, state);
  }

  /**
   * Types into a command option the bot marked `autocomplete`: an APPLICATION_COMMAND_AUTOCOMPLETE
   * interaction with that option `focused`. `await i.callback()` gives the bot's choices (type 8).
   */
  autocomplete(channelId: string, name: string, options: CommandOption[]): SimulatedInteraction {
    const state = this.world.interactions.runCommand({
      userId: this.id,
      channelId,
      name,
      options,
      autocomplete: true,
    });
    return new SimulatedInteraction(this.world, state);
  }

  /**
   * Submits a modal the bot showed: a MODAL_SUBMIT interaction with its `customId` and the text
   * inputs' values by their custom ids.
   */
  submitModal(channelId: string, customId: string, values: Record<string, string>): SimulatedInteraction {
    const state = this.world.interactions.create({
      type: 5,
      userId: this.id,
      channelId,
      data: {
        custom_id: customId,
        components: Object.entries(values).map(([id, value]) => ({
          type: 1,
          components: [{ type: 4, custom_id: id, value }],
        })),
      },
    });
    return new SimulatedInteraction(this.world, state);
  }

  /** Clicks a button (or picks `values` in a select menu) on a message. */
  click(channelId: string, messageId: string, customId: string, values?: string[]): SimulatedInteraction {
    const state = this.world.interactions.clickComponent({
      userId: this.id,
      channelId,
      messageId,
      customId,
      ...(values !== undefined ? { values, componentType: 3 } : {}),
    });
    return new SimulatedInteraction(this.world, state);
  }

  // ---- voice ---------------------------------------------------------------------------------

  /**
   * Joins a voice channel (or moves, if already in one in that guild): the bot sees her
   * VOICE_STATE_UPDATE, and she connects to the voice server as a member with the same voice
   * client a bot uses. Resolves once audio can flow.
   */
  async joinVoice(channelId: string, opts: JoinVoiceOptions = {}): Promise<void> {
    const { guild } = this.world.channel(channelId);
    if (!guild)
      throw new EmulatorError('EMULATOR_NOT_A_GUILD_CHANNEL', `channel ${channelId} is not in a guild`);
    await this.voiceMember.join(guild.id, channelId, opts);
  }

  /** Moves to another voice channel of the same guild. */
  moveVoice(channelId: string, timeoutMs?: number): Promise<void> {
    return this.voiceMember.move(channelId, timeoutMs);
  }

  /** Leaves the voice channel. */
  leaveVoice(): void {
    this.voiceMember.leave();
  }

  /** The voice channel she is in, if any. */
  get voiceChannelId(): string | undefined {
    return this.voiceMember.channelId;
  }

  /**
   * Speaks into the call, 20 ms per frame; resolves when it went out. `source`: Opus frames (an
   * iterable, async iterable or pull function), an Ogg Opus file (path or bytes, or `{ ogg }`),
   * `{ pcm, channels? }` (48 kHz), or `{ tone: 440, seconds: 2 }`; all but Opus frames need
   * @cordwire/audio (EMULATOR_NO_AUDIO without it). Throws EMULATOR_NOT_IN_VOICE outside voice.
   */
  speak(source: SpeakSource): Promise<void> {
    return this.voiceMember.speak(source);
  }

  stopSpeaking(): void {
    this.voiceMember.stopSpeaking();
  }

  /**
   * What she heard in voice. `alice.heard(userId?)` is the audio from one sender (or everyone)
   * decoded: `frames`, `durationMs`, `lost`, `pcm`, `dominantFrequency`, `matchesTone(hz)`,
   * `toneMs(hz)` (decoding needs @cordwire/audio). `alice.heard.frames(userId?)`,
   * `durationMs(userId?)` and `bySsrc(userId?)` are the raw recording.
   */
  get heard(): Heard {
    this.voiceMember.flush();
    const recording = this.voiceMember.recording;
    const heard = (userId?: string): HeardAudio => {
      this.voiceMember.flush();
      return new HeardAudio(userId, recording.bySsrc(userId), audioIfLoaded);
    };
    return Object.assign(heard, {
      add: recording.add.bind(recording),
      bySsrc: recording.bySsrc.bind(recording),
      frames: recording.frames.bind(recording),
      durationMs: recording.durationMs.bind(recording),
      clear: recording.clear.bind(recording),
    });
  }

  /**
   * Resolves once her call is settled: connected and, with DAVE, no MLS change pending and her
   * keys current. After a bot joined her channel, await this before speaking to it: until the
   * group includes the bot, her frames cannot be decrypted by it. Throws EMULATOR_NOT_IN_VOICE
   * outside voice, EMULATOR_VOICE_TIMEOUT after `timeoutMs` (15 s).
   */
  voiceSettled(timeoutMs?: number): Promise<void> {
    return this.voiceMember.settled(timeoutMs);
  }

  /** The call's voice privacy code ('' without DAVE): equal for everyone in the same E2EE group. */
  get voicePrivacyCode(): string {
    return this.voiceMember.voicePrivacyCode;
  }

  /** The DAVE protocol version of her call (1 E2EE, 0 transport encryption only); undefined outside voice. */
  get daveProtocolVersion(): number | undefined {
    return this.voiceMember.daveProtocolVersion;
  }

  // ---- presence and membership ---------------------------------------------------------------

  /** Changes her status: PRESENCE_UPDATE in every guild she is in (GUILD_PRESENCES). */
  setStatus(status: PresenceStatus, activities: unknown[] = []): void {
    this.presenceState = { status, activities: status === 'offline' ? [] : activities };
    this.onPresence(this);
  }

  goOnline(): void {
    this.setStatus('online');
  }

  goOffline(): void {
    this.setStatus('offline');
  }

  /** Joins a guild: GUILD_MEMBER_ADD (GUILD_MEMBERS). */
  joinGuild(guildId: string, opts: { nick?: string | null; roles?: string[] } = {}): void {
    this.world.addMember(guildId, this.id, opts);
  }

  /** Leaves a guild: GUILD_MEMBER_REMOVE (and her voice state there ends). */
  leaveGuild(guildId: string): void {
    if (this.voiceMember.guildId === guildId) this.voiceMember.leave();
    this.world.removeMember(guildId, this.id);
  }

  /** Leaves voice and drops every connection she holds. */
  dispose(): void {
    this.voiceMember.leave();
  }
}
