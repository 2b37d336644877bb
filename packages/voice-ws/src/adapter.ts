/**
 * The seam to whatever main-gateway client the bot uses. Same shape as @discordjs/voice's
 * `DiscordGatewayAdapterCreator`, so a discord.js guild's `voiceAdapterCreator` works here and
 * an adapter written for @cordwire/gateway works with discord.js: the connection hands the
 * adapter its callbacks and gets back a way to send op 4.
 */

/** VOICE_SERVER_UPDATE `d` (main gateway dispatch). `endpoint` null: the server is being replaced. */
export interface VoiceServerUpdateData {
  readonly token: string;
  readonly guild_id: string;
  readonly endpoint: string | null;
}

/** The fields of VOICE_STATE_UPDATE `d` the voice connection needs (for our own user). */
export interface VoiceStateUpdateData {
  readonly session_id: string;
  readonly user_id: string;
  readonly guild_id?: string;
  readonly channel_id: string | null;
  readonly self_mute?: boolean;
  readonly self_deaf?: boolean;
}

/** Main gateway op 4 (Update Voice State). */
export interface VoiceStateUpdatePayload {
  readonly op: 4;
  readonly d: {
    readonly guild_id: string;
    readonly channel_id: string | null;
    readonly self_mute: boolean;
    readonly self_deaf: boolean;
  };
}

export interface VoiceAdapterLibraryMethods {
  onVoiceServerUpdate(data: VoiceServerUpdateData): void;
  onVoiceStateUpdate(data: VoiceStateUpdateData): void;
  /** The gateway client is going away; the connection can no longer signal. */
  destroy(): void;
}

export interface VoiceAdapter {
  /** Send op 4 through the main gateway; false when it cannot be sent right now. */
  sendPayload(payload: VoiceStateUpdatePayload): boolean;
  /** The connection no longer needs the adapter. */
  destroy(): void;
}

export type VoiceAdapterCreator = (methods: VoiceAdapterLibraryMethods) => VoiceAdapter;
