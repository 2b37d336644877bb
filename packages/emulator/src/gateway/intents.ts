/**
 * Which dispatch each gateway intent gates (Discord docs, topics/gateway "List of Intents").
 * The bits themselves come from @cordwire/opcodes; this table is how the emulator filters
 * dispatches per session.
 */
import { GatewayIntentBits } from '@cordwire/opcodes';

const I = GatewayIntentBits;

/** [intent when the event concerns a guild, intent when it is a DM]; 0 = no DM variant. */
const EVENT_INTENTS: Readonly<Record<string, readonly [number, number]>> = {
  GUILD_CREATE: [I.GUILDS, 0],
  GUILD_UPDATE: [I.GUILDS, 0],
  GUILD_DELETE: [I.GUILDS, 0],
  GUILD_ROLE_CREATE: [I.GUILDS, 0],
  GUILD_ROLE_UPDATE: [I.GUILDS, 0],
  GUILD_ROLE_DELETE: [I.GUILDS, 0],
  CHANNEL_CREATE: [I.GUILDS, 0],
  CHANNEL_UPDATE: [I.GUILDS, 0],
  CHANNEL_DELETE: [I.GUILDS, 0],
  THREAD_CREATE: [I.GUILDS, 0],
  THREAD_UPDATE: [I.GUILDS, 0],
  THREAD_DELETE: [I.GUILDS, 0],
  THREAD_LIST_SYNC: [I.GUILDS, 0],
  THREAD_MEMBER_UPDATE: [I.GUILDS, 0],
  STAGE_INSTANCE_CREATE: [I.GUILDS, 0],
  STAGE_INSTANCE_UPDATE: [I.GUILDS, 0],
  STAGE_INSTANCE_DELETE: [I.GUILDS, 0],
  GUILD_MEMBER_ADD: [I.GUILD_MEMBERS, 0],
  GUILD_MEMBER_UPDATE: [I.GUILD_MEMBERS, 0],
  GUILD_MEMBER_REMOVE: [I.GUILD_MEMBERS, 0],
  THREAD_MEMBERS_UPDATE: [I.GUILD_MEMBERS, 0],
  GUILD_AUDIT_LOG_ENTRY_CREATE: [I.GUILD_MODERATION, 0],
  GUILD_BAN_ADD: [I.GUILD_MODERATION, 0],
  GUILD_BAN_REMOVE: [I.GUILD_MODERATION, 0],
  GUILD_EMOJIS_UPDATE: [I.GUILD_EXPRESSIONS, 0],
  GUILD_STICKERS_UPDATE: [I.GUILD_EXPRESSIONS, 0],
  GUILD_SOUNDBOARD_SOUND_CREATE: [I.GUILD_EXPRESSIONS, 0],
  GUILD_SOUNDBOARD_SOUND_UPDATE: [I.GUILD_EXPRESSIONS, 0],
  GUILD_SOUNDBOARD_SOUND_DELETE: [I.GUILD_EXPRESSIONS, 0],
  GUILD_SOUNDBOARD_SOUNDS_UPDATE: [I.GUILD_EXPRESSIONS, 0],
  GUILD_INTEGRATIONS_UPDATE: [I.GUILD_INTEGRATIONS, 0],
  INTEGRATION_CREATE: [I.GUILD_INTEGRATIONS, 0],
  INTEGRATION_UPDATE: [I.GUILD_INTEGRATIONS, 0],
  INTEGRATION_DELETE: [I.GUILD_INTEGRATIONS, 0],
  WEBHOOKS_UPDATE: [I.GUILD_WEBHOOKS, 0],
  INVITE_CREATE: [I.GUILD_INVITES, 0],
  INVITE_DELETE: [I.GUILD_INVITES, 0],
  VOICE_STATE_UPDATE: [I.GUILD_VOICE_STATES, 0],
  VOICE_CHANNEL_EFFECT_SEND: [I.GUILD_VOICE_STATES, 0],
  PRESENCE_UPDATE: [I.GUILD_PRESENCES, 0],
  MESSAGE_CREATE: [I.GUILD_MESSAGES, I.DIRECT_MESSAGES],
  MESSAGE_UPDATE: [I.GUILD_MESSAGES, I.DIRECT_MESSAGES],
  MESSAGE_DELETE: [I.GUILD_MESSAGES, I.DIRECT_MESSAGES],
  MESSAGE_DELETE_BULK: [I.GUILD_MESSAGES, 0],
  CHANNEL_PINS_UPDATE: [I.GUILDS, I.DIRECT_MESSAGES],
  MESSAGE_REACTION_ADD: [I.GUILD_MESSAGE_REACTIONS, I.DIRECT_MESSAGE_REACTIONS],
  MESSAGE_REACTION_REMOVE: [I.GUILD_MESSAGE_REACTIONS, I.DIRECT_MESSAGE_REACTIONS],
  MESSAGE_REACTION_REMOVE_ALL: [I.GUILD_MESSAGE_REACTIONS, I.DIRECT_MESSAGE_REACTIONS],
  MESSAGE_REACTION_REMOVE_EMOJI: [I.GUILD_MESSAGE_REACTIONS, I.DIRECT_MESSAGE_REACTIONS],
  TYPING_START: [I.GUILD_MESSAGE_TYPING, I.DIRECT_MESSAGE_TYPING],
  GUILD_SCHEDULED_EVENT_CREATE: [I.GUILD_SCHEDULED_EVENTS, 0],
  GUILD_SCHEDULED_EVENT_UPDATE: [I.GUILD_SCHEDULED_EVENTS, 0],
  GUILD_SCHEDULED_EVENT_DELETE: [I.GUILD_SCHEDULED_EVENTS, 0],
  GUILD_SCHEDULED_EVENT_USER_ADD: [I.GUILD_SCHEDULED_EVENTS, 0],
  GUILD_SCHEDULED_EVENT_USER_REMOVE: [I.GUILD_SCHEDULED_EVENTS, 0],
  AUTO_MODERATION_RULE_CREATE: [I.AUTO_MODERATION_CONFIGURATION, 0],
  AUTO_MODERATION_RULE_UPDATE: [I.AUTO_MODERATION_CONFIGURATION, 0],
  AUTO_MODERATION_RULE_DELETE: [I.AUTO_MODERATION_CONFIGURATION, 0],
  AUTO_MODERATION_ACTION_EXECUTION: [I.AUTO_MODERATION_EXECUTION, 0],
  MESSAGE_POLL_VOTE_ADD: [I.GUILD_MESSAGE_POLLS, I.DIRECT_MESSAGE_POLLS],
  MESSAGE_POLL_VOTE_REMOVE: [I.GUILD_MESSAGE_POLLS, I.DIRECT_MESSAGE_POLLS],
};

/**
 * The intent a session needs to receive `event`, or 0 if the event is not gated (READY,
 * RESUMED, INTERACTION_CREATE, VOICE_SERVER_UPDATE, USER_UPDATE, unknown events, ...).
 * A DM-only event without a DM intent (e.g. GUILD_MEMBER_ADD with no guild_id) is not gated.
 */
export function intentForEvent(event: string, inGuild: boolean): number {
  const pair = EVENT_INTENTS[event];
  if (!pair) return 0;
  return inGuild ? pair[0] : pair[1];
}

export function sessionReceives(intents: number, event: string, inGuild: boolean): boolean {
  const needed = intentForEvent(event, inGuild);
  return needed === 0 || (intents & needed) !== 0;
}

const MESSAGE_CONTENT_EVENTS: ReadonlySet<string> = new Set(['MESSAGE_CREATE', 'MESSAGE_UPDATE']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A guild message as a session without MESSAGE_CONTENT sees it: content, embeds, attachments
 * and components empty, except in the bot's own messages and messages that mention it (docs
 * topics/gateway "Message Content Intent"). Other events pass unchanged.
 */
export function redactForSession(
  intents: number,
  botUserId: string,
  event: string,
  data: unknown,
  inGuild: boolean,
): unknown {
  if (!inGuild || !MESSAGE_CONTENT_EVENTS.has(event) || intents & GatewayIntentBits.MESSAGE_CONTENT)
    return data;
  if (!isRecord(data)) return data;
  const author = isRecord(data.author) ? data.author.id : undefined;
  const mentions = Array.isArray(data.mentions) ? data.mentions : [];
  if (author === botUserId || mentions.some((m) => isRecord(m) && m.id === botUserId)) return data;
  return { ...data, content: '', embeds: [], attachments: [], components: [] };
}
