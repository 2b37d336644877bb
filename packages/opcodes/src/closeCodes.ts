/**
 * Close codes for the main gateway and the voice gateway, each with the policy a client
 * must follow. The policy is data, so one table test can pin every code.
 *
 * Sources: Discord's "Opcodes and Status Codes" page (seed 002) and research/anchors.md 1.1
 * and 3.1, which record where discord.js, discordeno and twilight depart from the docs.
 */

/**
 * What a client does after the socket closed with a code.
 * - `resume`: reconnect and resume the same session (gateway op 6 / voice op 7).
 * - `newSession`: reconnect and identify afresh; events since the last seq may be lost.
 * - `rejoin`: voice only: the voice session is gone; ask the main gateway again (op 4) for a
 *   new voice server and token, then identify.
 * - `fatal`: do not reconnect; surface an error that says why.
 */
export type ClosePolicy = 'resume' | 'newSession' | 'rejoin' | 'fatal';

export interface CloseCodeInfo {
  readonly code: number;
  readonly name: string;
  readonly description: string;
  readonly explanation: string;
  readonly policy: ClosePolicy;
  /** Why the policy is what it is, where it departs from the obvious reading of the docs. */
  readonly note?: string;
}

export const gatewayCloseCodes = [
  {
    code: 4000,
    name: 'UNKNOWN_ERROR',
    description: 'Unknown error',
    explanation: "We're not sure what went wrong. Try reconnecting?",
    policy: 'resume',
  },
  {
    code: 4001,
    name: 'UNKNOWN_OPCODE',
    description: 'Unknown opcode',
    explanation: 'You sent an invalid Gateway opcode or an invalid payload for an opcode.',
    policy: 'resume',
  },
  {
    code: 4002,
    name: 'DECODE_ERROR',
    description: 'Decode error',
    explanation: 'You sent an invalid payload.',
    policy: 'resume',
  },
  {
    code: 4003,
    name: 'NOT_AUTHENTICATED',
    description: 'Not authenticated',
    explanation: 'You sent a payload prior to identifying, or this session has been invalidated.',
    policy: 'newSession',
    note: 'The session is invalid or was never established, so a resume cannot succeed.',
  },
  {
    code: 4004,
    name: 'AUTHENTICATION_FAILED',
    description: 'Authentication failed',
    explanation: 'The account token sent with your identify payload is incorrect.',
    policy: 'fatal',
  },
  {
    code: 4005,
    name: 'ALREADY_AUTHENTICATED',
    description: 'Already authenticated',
    explanation: 'You sent more than one identify payload.',
    policy: 'newSession',
    note: 'The client lost track of its own handshake; start over rather than resume a session it may not own.',
  },
  {
    code: 4007,
    name: 'INVALID_SEQ',
    description: 'Invalid seq',
    explanation:
      'The sequence sent when resuming the session was invalid. Reconnect and start a new session.',
    policy: 'newSession',
  },
  {
    code: 4008,
    name: 'RATE_LIMITED',
    description: 'Rate limited',
    explanation: "You're sending payloads too quickly. You will be disconnected on receiving this.",
    policy: 'resume',
    note: 'Only the connection is closed; the session survives, so a resume loses nothing.',
  },
  {
    code: 4009,
    name: 'SESSION_TIMED_OUT',
    description: 'Session timed out',
    explanation: 'Your session timed out. Reconnect and start a new one.',
    policy: 'newSession',
    note: 'discord.js resumes here and pays an extra round trip (op 9); the docs say start a new session.',
  },
  {
    code: 4010,
    name: 'INVALID_SHARD',
    description: 'Invalid shard',
    explanation: 'You sent an invalid shard when identifying.',
    policy: 'fatal',
  },
  {
    code: 4011,
    name: 'SHARDING_REQUIRED',
    description: 'Sharding required',
    explanation: 'The session would have handled too many guilds; you are required to shard your connection.',
    policy: 'fatal',
  },
  {
    code: 4012,
    name: 'INVALID_API_VERSION',
    description: 'Invalid API version',
    explanation: 'You sent an invalid version for the Gateway.',
    policy: 'fatal',
  },
  {
    code: 4013,
    name: 'INVALID_INTENTS',
    description: 'Invalid intent(s)',
    explanation: 'You sent an invalid intent; the bitwise value may be miscalculated.',
    policy: 'fatal',
  },
  {
    code: 4014,
    name: 'DISALLOWED_INTENTS',
    description: 'Disallowed intent(s)',
    explanation: 'You sent an intent that is not enabled or approved for this application.',
    policy: 'fatal',
  },
  {
    code: 4015,
    name: 'TOO_MANY_SESSIONS',
    description: 'Too many sessions',
    explanation: 'You have more than the allowed amount of user account Gateway sessions open.',
    policy: 'fatal',
    note: 'Listed in the docs table for user accounts only; reconnecting would open yet another session.',
  },
  {
    code: 4016,
    name: 'CONNECTION_REQUEST_CANCELED',
    description: 'Connection request canceled',
    explanation: 'Console device connection request was canceled. The Gateway session is no longer needed.',
    policy: 'fatal',
  },
] as const satisfies readonly CloseCodeInfo[];

export const voiceCloseCodes = [
  {
    code: 4001,
    name: 'UNKNOWN_OPCODE',
    description: 'Unknown opcode',
    explanation: 'You sent an invalid opcode.',
    policy: 'newSession',
    note: 'The voice token is still good; identify again on the same endpoint.',
  },
  {
    code: 4002,
    name: 'FAILED_TO_DECODE',
    description: 'Failed to decode payload',
    explanation: 'You sent an invalid payload in your identifying to the Gateway.',
    policy: 'newSession',
  },
  {
    code: 4003,
    name: 'NOT_AUTHENTICATED',
    description: 'Not authenticated',
    explanation: 'You sent a payload before identifying with the Gateway.',
    policy: 'newSession',
  },
  {
    code: 4004,
    name: 'AUTHENTICATION_FAILED',
    description: 'Authentication failed',
    explanation: 'The token you sent in your identify payload is incorrect.',
    policy: 'rejoin',
    note: 'A voice token is issued per VOICE_SERVER_UPDATE; a fresh one comes only through the main gateway.',
  },
  {
    code: 4005,
    name: 'ALREADY_AUTHENTICATED',
    description: 'Already authenticated',
    explanation: 'You sent more than one identify payload.',
    policy: 'newSession',
  },
  {
    code: 4006,
    name: 'SESSION_NO_LONGER_VALID',
    description: 'Session no longer valid',
    explanation: 'Your session is no longer valid.',
    policy: 'rejoin',
  },
  {
    code: 4009,
    name: 'SESSION_TIMEOUT',
    description: 'Session timeout',
    explanation: 'Your session has timed out.',
    policy: 'rejoin',
  },
  {
    code: 4011,
    name: 'SERVER_NOT_FOUND',
    description: 'Server not found',
    explanation: "We can't find the server you're trying to connect to.",
    policy: 'rejoin',
  },
  {
    code: 4012,
    name: 'UNKNOWN_PROTOCOL',
    description: 'Unknown protocol',
    explanation: "We didn't recognize the protocol you sent.",
    policy: 'fatal',
    note: 'Retrying sends the same SELECT_PROTOCOL again.',
  },
  {
    code: 4014,
    name: 'DISCONNECTED',
    description: 'Disconnected',
    explanation:
      'Disconnect individual client (you were kicked, the main Gateway session was dropped, etc.). Should not reconnect.',
    policy: 'fatal',
  },
  {
    code: 4015,
    name: 'VOICE_SERVER_CRASHED',
    description: 'Voice server crashed',
    explanation: 'The server crashed. Try resuming.',
    policy: 'resume',
  },
  {
    code: 4016,
    name: 'UNKNOWN_ENCRYPTION_MODE',
    description: 'Unknown encryption mode',
    explanation: "We didn't recognize your encryption.",
    policy: 'fatal',
  },
  {
    code: 4017,
    name: 'E2EE_REQUIRED',
    description: 'E2EE required',
    explanation:
      'This channel requires end-to-end encryption (the DAVE protocol). Connect with a client that supports DAVE ' +
      'and identify with max_dave_protocol_version >= 1; retrying without it is refused again.',
    policy: 'fatal',
    note: 'discord.js rejoins on 4017 and loops; the docs make DAVE mandatory for non-stage calls since 2026-03-01.',
  },
  {
    code: 4020,
    name: 'BAD_REQUEST',
    description: 'Bad request',
    explanation: 'You sent a malformed request.',
    policy: 'fatal',
    note: 'A malformed request is a client bug; repeating it would loop.',
  },
  {
    code: 4021,
    name: 'RATE_LIMITED',
    description: 'Rate limited',
    explanation: 'Rate limit exceeded. Should not reconnect.',
    policy: 'fatal',
  },
  {
    code: 4022,
    name: 'CALL_TERMINATED',
    description: 'Disconnected',
    explanation:
      'Disconnect all clients (channel deleted, voice server changed, call ended, etc.). Should not reconnect.',
    policy: 'fatal',
  },
] as const satisfies readonly CloseCodeInfo[];

export type GatewayCloseCode = (typeof gatewayCloseCodes)[number]['code'];
export type VoiceCloseCode = (typeof voiceCloseCodes)[number]['code'];

const gatewayByCode = new Map<number, CloseCodeInfo>(gatewayCloseCodes.map((c) => [c.code, c]));
const voiceByCode = new Map<number, CloseCodeInfo>(voiceCloseCodes.map((c) => [c.code, c]));

export function gatewayCloseCodeInfo(code: number): CloseCodeInfo | undefined {
  return gatewayByCode.get(code);
}

export function voiceCloseCodeInfo(code: number): CloseCodeInfo | undefined {
  return voiceByCode.get(code);
}

/**
 * The policy for a main-gateway close. Codes below 4000 (1000 normal, 1001 going away,
 * 1006 abnormal, 1011 server error) come from the transport, not from a verdict on the
 * session, so the client resumes: if the session really is gone the server answers with
 * op 9 and the client identifies, costing one round trip but never losing events silently.
 * An unknown 4xxx code is treated as 4000.
 */
export function gatewayClosePolicy(code: number): ClosePolicy {
  return gatewayByCode.get(code)?.policy ?? 'resume';
}

/**
 * The policy for a voice-gateway close. Codes below 4000 resume (as 4015 does): the voice
 * server keeps the session for a while after a dropped connection. An unknown 4xxx code
 * rejoins through the main gateway, the one recovery that works whatever went wrong.
 */
export function voiceClosePolicy(code: number): ClosePolicy {
  const known = voiceByCode.get(code);
  if (known) return known.policy;
  return code < 4000 ? 'resume' : 'rejoin';
}
