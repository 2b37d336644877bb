/**
 * Checks for the values a peer (the gateway, or /gateway/bot) hands us that this client later
 * acts on: URLs it will connect to, sequence numbers it will compare and echo, ids it will send
 * back. Each is checked when it arrives, so a bad value is refused with a typed error at the
 * message that carried it, never discovered later inside a timer where a throw kills the process.
 */

/** Longest URL accepted from a peer (the @cordwire/opcodes READY check allows the same). */
export const MAX_PEER_URL_LENGTH = 2048;
/** Longest session_id accepted (the @cordwire/opcodes READY check allows the same). */
export const MAX_SESSION_ID_LENGTH = 256;

/**
 * Why `value` is not a WebSocket URL this client may connect to, or undefined when it is.
 * Only ws: and wss: are accepted: `new URL` takes `javascript:`, `data:` and bare words with a
 * colon as valid URLs, and `ws` throws on anything else at connect time.
 */
export function webSocketUrlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  if (value.length === 0 || value.length > MAX_PEER_URL_LENGTH) {
    return `is not 1-${MAX_PEER_URL_LENGTH} characters long`;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return 'is not a ws: or wss: URL';
  if (url.hostname === '') return 'has no host';
  return undefined;
}

/**
 * A dispatch sequence number: a non-negative integer that a double holds exactly. Above 2^53
 * `s + 1 === s`, so the duplicate check would drop every later dispatch.
 */
export function isSequence(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A session id we will send back in RESUME. */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_SESSION_ID_LENGTH;
}

/** An integer in [min, max] (counts and limits from /gateway/bot). */
export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
