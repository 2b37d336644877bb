/**
 * Gateway intents: the bits a client sets in Identify `intents` to choose which events it gets.
 * Values from Discord's docs (gateway "List of Intents"), cross-checked against
 * discord-api-types 0.38 `GatewayIntentBits`. Privileged intents must be enabled for the
 * application in the developer portal, or the gateway closes with 4014 (Disallowed intents).
 */
export const GatewayIntentBits = {
  GUILDS: 1 << 0,
  /** Privileged. */
  GUILD_MEMBERS: 1 << 1,
  /** Formerly GUILD_BANS. */
  GUILD_MODERATION: 1 << 2,
  /** Formerly GUILD_EMOJIS_AND_STICKERS. */
  GUILD_EXPRESSIONS: 1 << 3,
  GUILD_INTEGRATIONS: 1 << 4,
  GUILD_WEBHOOKS: 1 << 5,
  GUILD_INVITES: 1 << 6,
  GUILD_VOICE_STATES: 1 << 7,
  /** Privileged. */
  GUILD_PRESENCES: 1 << 8,
  GUILD_MESSAGES: 1 << 9,
  GUILD_MESSAGE_REACTIONS: 1 << 10,
  GUILD_MESSAGE_TYPING: 1 << 11,
  DIRECT_MESSAGES: 1 << 12,
  DIRECT_MESSAGE_REACTIONS: 1 << 13,
  DIRECT_MESSAGE_TYPING: 1 << 14,
  /** Privileged. */
  MESSAGE_CONTENT: 1 << 15,
  GUILD_SCHEDULED_EVENTS: 1 << 16,
  AUTO_MODERATION_CONFIGURATION: 1 << 20,
  AUTO_MODERATION_EXECUTION: 1 << 21,
  GUILD_MESSAGE_POLLS: 1 << 24,
  DIRECT_MESSAGE_POLLS: 1 << 25,
} as const;

export type GatewayIntentName = keyof typeof GatewayIntentBits;

/** The intents that need approval in the developer portal (docs: "Privileged Intents"). */
export const PRIVILEGED_INTENTS: readonly GatewayIntentName[] = [
  'GUILD_MEMBERS',
  'GUILD_PRESENCES',
  'MESSAGE_CONTENT',
];

/** Bitwise OR of every privileged intent. */
export const PRIVILEGED_INTENTS_MASK: number = PRIVILEGED_INTENTS.reduce(
  (m, n) => m | GatewayIntentBits[n],
  0,
);

/** Bitwise OR of every known intent; a bit outside it earns close code 4013 (Invalid intents). */
export const ALL_INTENTS_MASK: number = Object.values(GatewayIntentBits).reduce((m, b) => m | b, 0);

/** Names of the known intents set in `bits`, in bit order; unknown bits are returned separately. */
export function describeIntents(bits: number): { names: GatewayIntentName[]; unknownBits: number } {
  const names: GatewayIntentName[] = [];
  for (const [name, bit] of Object.entries(GatewayIntentBits) as [GatewayIntentName, number][]) {
    if ((bits & bit) !== 0) names.push(name);
  }
  return { names, unknownBits: bits & ~ALL_INTENTS_MASK };
}
