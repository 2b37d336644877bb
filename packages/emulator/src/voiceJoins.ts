/**
 * A member joining, moving between or leaving voice channels, for the bot (main gateway op 4)
 * and for simulated users alike: the voice state changes in the world (which announces
 * VOICE_STATE_UPDATE), and the voice provider allocates a seat on the voice server or releases
 * it. What Discord sends a joining client next (VOICE_SERVER_UPDATE) is the caller's: the
 * gateway dispatches it to the bot's session, a simulated user hands it to its voice client.
 */
import type { VoiceProvider, VoiceServerInfo } from './voiceProvider.js';
import type { World } from './world/index.js';

export interface VoiceJoin {
  guildId: string;
  userId: string;
  /** The main gateway session id the voice IDENTIFY must carry. */
  sessionId: string;
  /** null: leave. */
  channelId: string | null;
  selfMute?: boolean;
  selfDeaf?: boolean;
}

export class VoiceJoins {
  constructor(
    private readonly world: World,
    public provider: VoiceProvider,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Applies a join, move or leave. Resolves with the voice server when the member needs a new
   * seat (a first join, a move, a new session), undefined when nothing changed or it left.
   * Throws the world's typed error for an unknown guild, member or non-voice channel.
   */
  async update(join: VoiceJoin): Promise<VoiceServerInfo | undefined> {
    const guild = this.world.guild(join.guildId);
    const prev = guild.voiceStates.get(join.userId);
    if (join.channelId === null) {
      this.world.setVoiceState(join.guildId, join.userId, null);
      if (prev) void this.release(prev);
      return undefined;
    }
    this.world.setVoiceState(join.guildId, join.userId, {
      channelId: join.channelId,
      sessionId: join.sessionId,
      selfMute: join.selfMute ?? false,
      selfDeaf: join.selfDeaf ?? false,
    });
    const moved = !prev || prev.channelId !== join.channelId || prev.sessionId !== join.sessionId;
    if (!moved) return undefined;
    // The old seat goes first: a provider keyed by guild and user must not drop the new one.
    if (prev) await this.release(prev);
    return this.provider.allocate({
      guildId: join.guildId,
      channelId: join.channelId,
      userId: join.userId,
      sessionId: join.sessionId,
    });
  }

  /** Ends every voice state held under a main gateway session (the session died). */
  endSession(sessionId: string): void {
    for (const guild of this.world.guilds.values()) {
      for (const vs of [...guild.voiceStates.values()]) {
        if (vs.sessionId !== sessionId) continue;
        this.world.setVoiceState(guild.id, vs.userId, null);
        void this.release(vs);
      }
    }
  }

  private release(vs: {
    guildId: string;
    channelId: string;
    userId: string;
    sessionId: string;
  }): Promise<void> {
    return Promise.resolve()
      .then(() => this.provider.release({ ...vs }))
      .catch((err: unknown) => {
        this.log(`voice release failed: ${err instanceof Error ? err.message : String(err)}`);
      });
  }
}
