/**
 * Validating decoders and plain encoders for main-gateway JSON messages.
 *
 * `decodeGatewayPayload(input, { sender })` reads one message sent by `sender` ('server' when a
 * client reads what Discord sent, 'client' when the emulator reads what a bot sent) and returns
 * `{ ok: true, value }` or `{ ok: false, error: PayloadDecodeError }`. It never throws.
 */
import { gatewayOpcodeInfo } from './gatewayOpcodes.js';
import type {
  GatewayClientOpcode,
  GatewayClientPayload,
  GatewayClientPayloadMap,
  GatewayReadyData,
  GatewayServerOpcode,
  GatewayServerPayload,
  GatewayServerPayloadMap,
} from './gatewayPayloads.js';
import { parseJsonInput } from './jsonInput.js';
import { type DecodeResult, PayloadDecodeError } from './payloadDecodeError.js';
import {
  type Check,
  Invalid,
  anyValue,
  arrayOf,
  bool,
  checkAt,
  either,
  fail,
  int,
  isRecord,
  nullable,
  nullish,
  num,
  object,
  oneOfStrings,
  refine,
  snowflake,
  str,
  uint,
} from './validate.js';

/** Who sent the message being decoded. */
export type Sender = 'client' | 'server';

export interface DecodeOptions {
  /** Who sent the message; default 'server' (a client reading what it received). */
  sender?: Sender;
  /** Largest text or byte input accepted before parsing. */
  maxLength?: number;
}

/**
 * Discord closes a client whose payload exceeds 4096 bytes (docs gateway "Sending Events"), but
 * server messages (READY, GUILD_CREATE) can be megabytes: the default caps only absurd input.
 */
export const GATEWAY_DEFAULT_MAX_LENGTH = 16 * 1024 * 1024;
/** Largest client payload Discord accepts (docs gateway "Sending Events"). */
export const GATEWAY_MAX_CLIENT_PAYLOAD_BYTES = 4096;

// ---- field checks (built once) ----

const heartbeat: Check = nullable(uint, 'a sequence number');

const activity = object(
  { name: str(128), type: int(0, 255) },
  { url: nullable(str(512), 'a string'), state: nullable(str(128), 'a string') },
);

const presence = object({
  since: nullable(num(0), 'a number'),
  activities: arrayOf(activity, 64),
  status: oneOfStrings(['online', 'dnd', 'idle', 'invisible', 'offline']),
  afk: bool,
});

const shard: Check = (v) => {
  arrayOf(uint, 2, 2)(v);
  const [id, count] = v as [number, number];
  if (count < 1 || id >= count) fail('[shard_id, num_shards] with shard_id < num_shards');
};

const identify = object(
  {
    token: str(1024),
    properties: object({ os: str(256), browser: str(256), device: str(256) }),
    intents: uint,
  },
  { compress: bool, large_threshold: int(50, 250), shard, presence },
);

const resume = object({ token: str(1024), session_id: str(256), seq: uint });

const voiceStateUpdate = object({
  guild_id: nullable(snowflake, 'a snowflake'),
  channel_id: nullable(snowflake, 'a snowflake'),
  self_mute: bool,
  self_deaf: bool,
});

const requestGuildMembers = refine(
  object(
    { guild_id: snowflake },
    {
      query: str(256),
      limit: uint,
      presences: bool,
      user_ids: either(
        'a snowflake or an array of at most 100 snowflakes',
        snowflake,
        arrayOf(snowflake, 100),
      ),
      nonce: str(32),
    },
  ),
  (v) => {
    if (v.query === undefined && v.user_ids === undefined) throw new Invalid('', 'query or user_ids');
    // Docs (gateway-events "Request Guild Members"): limit is required when query is given.
    if (v.query !== undefined && v.limit === undefined)
      throw new Invalid('limit', 'a value (required with query)');
  },
);

const hello = object({ heartbeat_interval: num(0, 2 ** 31 - 1, true) });

const streamKey = object({ stream_key: str(512) });

const clientChecks: Record<GatewayClientOpcode, Check> = {
  1: heartbeat,
  2: identify,
  3: presence,
  4: voiceStateUpdate,
  5: nullish,
  6: resume,
  8: requestGuildMembers,
  13: object({ channel_id: snowflake }),
  14: anyValue,
  15: object({ lobby_id: snowflake, lobby_secret: str(512) }),
  16: object({ lobby_id: snowflake }),
  17: object({ lobby_id: snowflake, self_mute: bool, self_deaf: bool }),
  18: object({ type: str(64), guild_id: snowflake, channel_id: snowflake, preferred_region: str(128) }),
  19: streamKey,
  20: streamKey,
  21: streamKey,
  22: object({ stream_key: str(512), paused: bool }),
  24: anyValue,
  25: anyValue,
  26: object({
    guild_id: nullable(snowflake, 'a snowflake'),
    channel_id: snowflake,
    application_id: snowflake,
  }),
  27: anyValue,
  28: object({
    guild_id: snowflake,
    channel_id: snowflake,
    threads: arrayOf(object({ thread_id: snowflake, ack_message_id: snowflake })),
  }),
  29: anyValue,
  30: object({
    guild_id: snowflake,
    channel_ids_hash: arrayOf(str(256)),
    role_ids_hash: arrayOf(str(256)),
    emoji_ids_hash: arrayOf(str(256)),
    sticker_ids_hash: arrayOf(str(256)),
  }),
  31: object({ guild_ids: arrayOf(snowflake) }),
  32: object({ preferred_region: str(128) }),
  33: nullish,
  34: object({ guild_id: snowflake, channel_ids: arrayOf(snowflake) }),
  35: object(
    { guild_id: snowflake, query: str(256) },
    { continuation_token: nullable(str(1024), 'a string') },
  ),
  36: anyValue,
  37: anyValue,
  38: anyValue,
  39: anyValue,
  40: anyValue,
  41: anyValue,
  42: anyValue,
  43: anyValue,
};

const serverChecks: Record<GatewayServerOpcode, Check> = {
  // A dispatch's d depends on t; validate the ones you consume (decodeGatewayReady for READY).
  0: anyValue,
  1: heartbeat,
  7: nullish,
  9: bool,
  10: hello,
  11: nullish,
};

const ready = object(
  {
    v: uint,
    user: object({ id: snowflake, username: str(256) }),
    guilds: arrayOf(object({ id: snowflake }, { unavailable: bool }), 1_000_000),
    session_id: str(256),
    resume_gateway_url: str(2048),
    application: object({ id: snowflake, flags: uint }),
  },
  { shard },
);

const opName = (op: number | undefined) => (op === undefined ? undefined : gatewayOpcodeInfo(op)?.name);

function invalid(
  op: number | undefined,
  path: string,
  expected: string,
  code: 'INVALID_FIELD' = 'INVALID_FIELD',
) {
  return {
    ok: false as const,
    error: new PayloadDecodeError(code, 'gateway', op, path, expected, opName(op)),
  };
}

function runCheck(check: Check, v: unknown, op: number, root: string): PayloadDecodeError | undefined {
  try {
    checkAt(root, check, v);
    return undefined;
  } catch (e) {
    if (e instanceof Invalid) {
      return new PayloadDecodeError('INVALID_FIELD', 'gateway', op, e.path, e.expected, opName(op));
    }
    // A getter or proxy on a caller-supplied object threw: report it as a bad payload.
    return new PayloadDecodeError('INVALID_FIELD', 'gateway', op, root, 'a plain JSON value', opName(op));
  }
}

export function decodeGatewayPayload(
  input: unknown,
  options: DecodeOptions & { sender: 'client' },
): DecodeResult<GatewayClientPayload>;
export function decodeGatewayPayload(
  input: unknown,
  options?: DecodeOptions & { sender?: 'server' },
): DecodeResult<GatewayServerPayload>;
export function decodeGatewayPayload(
  input: unknown,
  options?: DecodeOptions,
): DecodeResult<GatewayClientPayload | GatewayServerPayload>;
export function decodeGatewayPayload(
  input: unknown,
  options: DecodeOptions = {},
): DecodeResult<GatewayClientPayload | GatewayServerPayload> {
  try {
    return decodeUnsafe(input, options.sender ?? 'server', options.maxLength ?? GATEWAY_DEFAULT_MAX_LENGTH);
  } catch {
    // Belt and braces: nothing above should throw, but a decoder must never crash its caller.
    return invalid(undefined, '', 'a well-formed gateway message');
  }
}

function decodeUnsafe(
  input: unknown,
  sender: Sender,
  maxLength: number,
): DecodeResult<GatewayClientPayload | GatewayServerPayload> {
  const parsed = parseJsonInput(input, 'gateway', maxLength);
  if (!parsed.ok) return parsed;
  const msg = parsed.value;
  if (!isRecord(msg)) {
    return {
      ok: false,
      error: new PayloadDecodeError('NOT_AN_OBJECT', 'gateway', undefined, '', 'a JSON object'),
    };
  }
  const op = msg.op;
  if (typeof op !== 'number' || !Number.isInteger(op)) return invalid(undefined, 'op', 'an integer opcode');
  const checks: Record<number, Check | undefined> = sender === 'client' ? clientChecks : serverChecks;
  const check = checks[op];
  if (check === undefined) {
    const known = gatewayOpcodeInfo(op);
    return {
      ok: false,
      error: known
        ? new PayloadDecodeError(
            'WRONG_DIRECTION',
            'gateway',
            op,
            'op',
            `an opcode the ${sender} sends (${known.name} is ${known.direction === 'send' ? 'client' : 'server'}-sent)`,
            known.name,
          )
        : new PayloadDecodeError('UNKNOWN_OPCODE', 'gateway', op, 'op', 'a known gateway opcode'),
    };
  }
  const d = msg.d;
  const error = runCheck(check, d, op, 'd');
  if (error) return { ok: false, error };
  if (sender === 'client') {
    return { ok: true, value: { op, d: d === undefined ? null : d } as GatewayClientPayload };
  }
  if (op === 0) {
    if (typeof msg.s !== 'number' || !Number.isInteger(msg.s) || msg.s < 0) {
      return invalid(op, 's', 'a non-negative integer sequence number');
    }
    if (typeof msg.t !== 'string' || msg.t.length === 0 || msg.t.length > 128) {
      return invalid(op, 't', 'an event name (string of 1-128 characters)');
    }
    return { ok: true, value: { op: 0, d, s: msg.s, t: msg.t } };
  }
  // Non-dispatch messages carry s and t as null; Discord has sent them absent too.
  if (msg.s !== null && msg.s !== undefined)
    return invalid(op, 's', 'null (only dispatches carry a sequence)');
  if (msg.t !== null && msg.t !== undefined)
    return invalid(op, 't', 'null (only dispatches carry an event name)');
  return { ok: true, value: { op, d: d === undefined ? null : d, s: null, t: null } as GatewayServerPayload };
}

/** Validates the `d` of a READY dispatch (op 0, t "READY"). */
export function decodeGatewayReady(d: unknown): DecodeResult<GatewayReadyData> {
  const error = runCheck(ready, d, 0, 'd');
  return error ? { ok: false, error } : { ok: true, value: d as GatewayReadyData };
}

// ---- encoders: typed in, JSON text out ----

/** Serializes a client -> server message. */
export function encodeGatewayClientPayload<Op extends GatewayClientOpcode>(
  op: Op,
  d: GatewayClientPayloadMap[Op],
): string {
  return JSON.stringify({ op, d: d === undefined ? null : d });
}

/** Serializes a non-dispatch server -> client message (`s` and `t` null, as Discord sends them). */
export function encodeGatewayServerPayload<Op extends Exclude<GatewayServerOpcode, 0>>(
  op: Op,
  d: GatewayServerPayloadMap[Op],
): string {
  return JSON.stringify({ op, d: d === undefined ? null : d, s: null, t: null });
}

/** Serializes a dispatch (op 0) with its event name and sequence number. */
export function encodeGatewayDispatch(t: string, s: number, d: unknown): string {
  return JSON.stringify({ op: 0, d, s, t });
}
