/**
 * The emulator's voice server, loaded through @cordwire/emulator's public exports and
 * feature-checked: while the package does not export it, voice rows say so instead of failing.
 */
import { randomBytes } from 'node:crypto';
import type { VoiceMember } from '../voice/voiceClients.js';

export interface VoiceServerLike {
  readonly caPem: string;
  readonly caPath: string;
  allocate(request: { guildId: string; channelId: string; userId: string; sessionId: string }): {
    endpoint: string;
    token: string;
  };
  close(): Promise<void>;
}

export type StartVoiceServer = (options?: Record<string, unknown>) => Promise<VoiceServerLike>;

export async function loadVoiceServer(): Promise<StartVoiceServer | string> {
  try {
    const specifier = '@cordwire/emulator';
    const mod = (await import(specifier)) as Record<string, unknown>;
    if (typeof mod.startVoiceServer !== 'function')
      return '@cordwire/emulator does not export startVoiceServer yet';
    return mod.startVoiceServer as StartVoiceServer;
  } catch (e) {
    return `@cordwire/emulator did not load (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
}

const snowflake = (base: bigint, n: number) => (base + BigInt(n)).toString();

/** `count` members: what op 4 would have produced for each (allocation on the voice server). */
export function allocateMembers(
  server: VoiceServerLike,
  count: number,
  layout: { sameUser: boolean; perChannel: number },
): VoiceMember[] {
  return Array.from({ length: count }, (_, i) => {
    const guildId = layout.sameUser ? snowflake(1200000000000000000n, i) : '1200000000000000000';
    const channelId = snowflake(1200000000000100000n, Math.floor(i / layout.perChannel));
    const userId = layout.sameUser ? '1000000000000000001' : snowflake(1300000000000000000n, i);
    const sessionId = randomBytes(16).toString('hex');
    const { endpoint, token } = server.allocate({ guildId, channelId, userId, sessionId });
    return { guildId, channelId, userId, sessionId, endpoint, token };
  });
}
