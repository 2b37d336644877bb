/**
 * The seam between the main gateway and a voice server. When a client sends op 4 (Voice State
 * Update) to join a channel, the gateway asks the provider for an endpoint and a token and sends
 * them in VOICE_SERVER_UPDATE; when the client leaves (or its session ends), the gateway calls
 * `release`. Without a provider the emulator answers with `voiceEndpoint` and a random token, so
 * a client can be tested up to the voice handshake.
 */
export interface VoiceAllocation {
  guildId: string;
  channelId: string;
  userId: string;
  /** The main gateway session id; the voice IDENTIFY must carry it as `session_id`. */
  sessionId: string;
}

export interface VoiceServerInfo {
  /** Bare host:port, as Discord sends it (no scheme). */
  endpoint: string;
  /** The voice token for this user in this guild; a secret, never logged. */
  token: string;
}

export interface VoiceProvider {
  allocate(request: VoiceAllocation): VoiceServerInfo | Promise<VoiceServerInfo>;
  release(request: Omit<VoiceAllocation, 'channelId'> & { channelId: string | null }): void | Promise<void>;
  /** The seed's E2EE setting of a voice channel; the emulator calls it when the provider is attached. */
  setChannelE2EE?(guildId: string, channelId: string, setting: 'required' | 'optional' | 'off'): void;
}
