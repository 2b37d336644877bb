/**
 * IDENTIFY (op 2) and RESUME (op 6) payload checks (docs topics/gateway-events "Identify",
 * "Resume"; topics/opcodes-and-status-codes for the close codes). Pure: each returns what the
 * session needs, or the close code and reason Discord would send.
 */
import { ALL_INTENTS_MASK } from '@cordwire/opcodes';

export interface Refusal {
  ok: false;
  code: number;
  reason: string;
}

export interface IdentifyRequest {
  ok: true;
  token: string;
  shard: [number, number];
  intents: number;
  /** Payload compression (`compress: true`). */
  compress: boolean;
}

export interface ResumeRequest {
  ok: true;
  token: string;
  sessionId: string;
  seq: number | null;
}

/** Intents are a 32-bit field at most; bitwise checks alone would wrap 2^32 + n to n. */
const MAX_INTENTS = 2 ** 32 - 1;

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isSnowflake(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9]{1,20}$/.test(v);
}

function refuse(code: number, reason: string): Refusal {
  return { ok: false, code, reason };
}

/** Valid intents: a non-negative integer below 2^32 with no bit Discord does not define (else 4013). */
export function validIntents(intents: unknown): intents is number {
  return (
    typeof intents === 'number' &&
    Number.isInteger(intents) &&
    intents >= 0 &&
    intents <= MAX_INTENTS &&
    (intents & ~ALL_INTENTS_MASK) === 0
  );
}

/**
 * The shape of an IDENTIFY, in the order Discord reports problems: payload shape (4001), then
 * shard (4010), then intents (4013). The token, privileged intents and sharding-required checks
 * need the app's state and are the caller's.
 */
export function parseIdentify(d: unknown): IdentifyRequest | Refusal {
  if (!isObject(d) || typeof d.token !== 'string' || !isObject(d.properties)) {
    return refuse(4001, 'invalid identify payload');
  }
  if (d.compress !== undefined && typeof d.compress !== 'boolean') {
    return refuse(4001, 'invalid identify payload');
  }
  const lt = d.large_threshold;
  if (lt !== undefined && !(typeof lt === 'number' && Number.isInteger(lt) && lt >= 50 && lt <= 250)) {
    return refuse(4001, 'large_threshold must be 50-250');
  }
  let shard: [number, number] = [0, 1];
  if (d.shard !== undefined) {
    const s = d.shard;
    const valid =
      Array.isArray(s) &&
      s.length === 2 &&
      Number.isSafeInteger(s[0]) &&
      Number.isSafeInteger(s[1]) &&
      s[1] >= 1 &&
      s[0] >= 0 &&
      s[0] < s[1];
    if (!valid) return refuse(4010, 'invalid shard');
    shard = [s[0], s[1]];
  }
  if (!validIntents(d.intents)) return refuse(4013, 'invalid intent(s)');
  return { ok: true, token: d.token, shard, intents: d.intents, compress: d.compress === true };
}

export function parseResume(d: unknown): ResumeRequest | Refusal {
  if (
    !isObject(d) ||
    typeof d.token !== 'string' ||
    typeof d.session_id !== 'string' ||
    !(d.seq === null || (typeof d.seq === 'number' && Number.isSafeInteger(d.seq) && d.seq >= 0))
  ) {
    return refuse(4001, 'invalid resume payload');
  }
  return { ok: true, token: d.token, sessionId: d.session_id, seq: d.seq };
}

/** Discord accepts the token with or without the "Bot " prefix (research/anchors.md 3.8). */
export function tokenMatches(sent: string, token: string): boolean {
  const bare = sent.startsWith('Bot ') ? sent.slice(4) : sent;
  return bare === token;
}

/** A close reason is at most 123 bytes of UTF-8 (RFC 6455 5.5: 125-byte control payload less the code). */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out;
}
