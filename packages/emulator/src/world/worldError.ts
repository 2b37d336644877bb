/**
 * A change the world refuses, named by Discord's JSON error code (docs topics/opcodes-and-status-
 * codes "JSON Error Codes"), so REST can answer exactly as Discord would and a simulated user's
 * caller can tell "unknown channel" from "missing permissions" without parsing text.
 */
export const WorldErrorCode = {
  UNKNOWN_CHANNEL: 10003,
  UNKNOWN_GUILD: 10004,
  UNKNOWN_MEMBER: 10007,
  UNKNOWN_MESSAGE: 10008,
  UNKNOWN_ROLE: 10011,
  UNKNOWN_EMOJI: 10014,
  UNKNOWN_USER: 10013,
  UNKNOWN_WEBHOOK: 10015,
  UNKNOWN_BAN: 10026,
  UNKNOWN_INTERACTION: 10062,
  UNKNOWN_APPLICATION_COMMAND: 10063,
  UNKNOWN_APPLICATION_COMMAND_PERMISSIONS: 10066,
  BOTS_CANNOT_USE_ENDPOINT: 20001,
  MAX_REACTIONS: 30010,
  INTERACTION_ALREADY_ACKNOWLEDGED: 40060,
  MISSING_ACCESS: 50001,
  CANNOT_EDIT_OTHERS_MESSAGE: 50005,
  EMPTY_MESSAGE: 50006,
  CANNOT_SEND_TO_USER: 50007,
  NON_TEXT_CHANNEL: 50008,
  MISSING_PERMISSIONS: 50013,
  BULK_DELETE_COUNT: 50016,
  INVALID_WEBHOOK_TOKEN: 50027,
  BULK_DELETE_TOO_OLD: 50034,
  INVALID_FORM_BODY: 50035,
} as const;

const MESSAGES: Readonly<Record<number, string>> = {
  10003: 'Unknown Channel',
  10004: 'Unknown Guild',
  10007: 'Unknown Member',
  10008: 'Unknown Message',
  10011: 'Unknown Role',
  10013: 'Unknown User',
  10014: 'Unknown Emoji',
  10015: 'Unknown Webhook',
  10026: 'Unknown Ban',
  10062: 'Unknown interaction',
  10063: 'Unknown application command',
  10066: 'Unknown application command permissions',
  20001: 'Bots cannot use this endpoint',
  30010: 'Maximum number of reactions reached (20)',
  40060: 'Interaction has already been acknowledged.',
  50001: 'Missing Access',
  50005: 'Cannot edit a message authored by another user',
  50006: 'Cannot send an empty message',
  50007: 'Cannot send messages to this user',
  50008: 'Cannot send messages in a non-text channel',
  50013: 'Missing Permissions',
  50016:
    'Provided too few or too many messages to delete. Must provide at least 2 and fewer than 100 messages to delete.',
  50027: 'Invalid Webhook Token',
  50034: 'You can only bulk delete messages that are under 14 days old.',
  50035: 'Invalid Form Body',
};

/** A leaf of Discord's `errors` tree: `{ _errors: [{ code, message }] }` nested by field path. */
export interface ErrorTree {
  [key: string]: ErrorTree | Array<{ code: string; message: string }>;
}

export class WorldError extends Error {
  /** Discord's JSON error code, e.g. 10008. */
  readonly code: number;
  readonly errors: ErrorTree | undefined;
  constructor(code: number, message?: string, errors?: ErrorTree) {
    super(message ?? MESSAGES[code] ?? `Error ${code}`);
    this.name = 'WorldError';
    this.code = code;
    this.errors = errors;
  }
}
