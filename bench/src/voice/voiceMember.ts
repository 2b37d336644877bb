/**
 * One member of a bench voice channel as the child processes get it, and how a connection of
 * either library joins as that member: the adapter answers op 4 at once with what
 * VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE would have told it, as a main gateway would.
 */
import {
  type DiscordGatewayAdapterCreator,
  joinVoiceChannel as joinAnchor,
  type VoiceConnection as AnchorConnection,
} from '@discordjs/voice';

export interface VoiceMember {
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly endpoint: string;
  readonly token: string;
}

/** An adapter that answers op 4 the way the main gateway would (state, then server update). */
export function adapterFor(member: VoiceMember) {
  return (methods: { onVoiceStateUpdate(d: unknown): void; onVoiceServerUpdate(d: unknown): void }) => ({
    sendPayload(payload: { d: { channel_id: string | null } }) {
      if (payload.d.channel_id === null) return true;
      setImmediate(() => {
        methods.onVoiceStateUpdate({
          session_id: member.sessionId,
          user_id: member.userId,
          guild_id: member.guildId,
          channel_id: member.channelId,
          self_mute: false,
          self_deaf: false,
          deaf: false,
          mute: false,
          suppress: false,
          self_video: false,
          request_to_speak_timestamp: null,
        });
        methods.onVoiceServerUpdate({
          token: member.token,
          guild_id: member.guildId,
          endpoint: member.endpoint,
        });
      });
      return true;
    },
    destroy() {},
  });
}

/** @discordjs/voice (the anchor) joining as `member`, neither muted nor deafened. */
export function joinAnchorAs(
  member: VoiceMember,
  options: { daveEncryption: boolean; group?: string },
): AnchorConnection {
  return joinAnchor({
    guildId: member.guildId,
    channelId: member.channelId,
    adapterCreator: adapterFor(member) as unknown as DiscordGatewayAdapterCreator,
    selfDeaf: false,
    selfMute: false,
    ...options,
  });
}
