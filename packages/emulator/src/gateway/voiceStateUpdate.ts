/**
 * Voice State Update (op 4, docs topics/gateway-events "Update Voice State"): the bot asks to
 * join, move or leave a voice channel. The payload's shape is checked here (a malformed one is
 * 4001); whether the guild and channel exist is the world's.
 */
import { isObject, isSnowflake } from './handshake.js';

export interface VoiceStateRequest {
  guildId: string;
  /** null: leave. */
  channelId: string | null;
  selfMute: boolean;
  selfDeaf: boolean;
}

/** The request, or undefined when it is malformed. */
export function parseVoiceStateUpdate(d: unknown): VoiceStateRequest | undefined {
  if (
    !isObject(d) ||
    !isSnowflake(d.guild_id) ||
    !(d.channel_id === null || isSnowflake(d.channel_id)) ||
    typeof d.self_mute !== 'boolean' ||
    typeof d.self_deaf !== 'boolean'
  ) {
    return undefined;
  }
  return { guildId: d.guild_id, channelId: d.channel_id, selfMute: d.self_mute, selfDeaf: d.self_deaf };
}

/** Voice-capable channel types: GUILD_VOICE (2) and GUILD_STAGE_VOICE (13). */
export function isVoiceChannelType(type: number): boolean {
  return type === 2 || type === 13;
}
