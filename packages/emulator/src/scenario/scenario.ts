/**
 * Scenario files: a world (the seed), the simulated users in it, and a timeline of what they do,
 * as plain JSON, so the same story runs from a test, from the demo and from a shell
 * (`cordwire-emulator --scenario file.json`). `parseScenario` validates one with typed errors
 * that point at the offending field.
 *
 *   {
 *     "world": { "guilds": [...] },                 // a seed (see the README); default: one guild
 *     "users": [{ "username": "alice" }, { "id": "1300000000000000011", "username": "bob" }],
 *     "timeline": [
 *       { "at": 0,    "user": "bob",   "do": "say", "channel": "1300000000000000101", "content": "hello" },
 *       { "at": 500,  "user": "alice", "do": "command", "channel": "1300000000000000101", "name": "play" },
 *       { "at": 1000, "user": "alice", "do": "joinVoice", "channel": "1300000000000000102" },
 *       { "at": 1500, "user": "alice", "do": "speak", "frames": 50 },
 *       { "at": 4000, "user": "alice", "do": "status", "status": "offline" }
 *     ]
 *   }
 */
import { ScenarioError } from '../errors.js';
import type { EmulatorSeed } from '../seed.js';

export type ScenarioStatus = 'online' | 'idle' | 'dnd' | 'offline';

export interface ScenarioUser {
  username: string;
  id?: string;
  /** Guilds she is a member of; default every guild. */
  guilds?: string[];
  status?: ScenarioStatus;
}

export interface ScenarioCommandOption {
  name: string;
  type: number;
  value?: unknown;
  options?: ScenarioCommandOption[];
}

/** The bot's most recent message in the channel, for `click` and `react` on what the bot sent. */
export const LAST_BOT_MESSAGE = 'lastBotMessage';

type At = { at: number; user: string };

export type ScenarioStep =
  | (At & { do: 'say'; channel: string; content: string })
  | (At & { do: 'dm'; content: string })
  | (At & { do: 'submitModal'; channel: string; customId: string; fields: Record<string, string> })
  | (At & { do: 'type'; channel: string })
  | (At & { do: 'react'; channel: string; message: string; emoji: string })
  | (At & { do: 'command'; channel: string; name: string; options?: ScenarioCommandOption[] })
  | (At & { do: 'click'; channel: string; message: string; customId: string; values?: string[] })
  | (At & { do: 'joinVoice'; channel: string; dave?: boolean; selfMute?: boolean; selfDeaf?: boolean })
  | (At & { do: 'moveVoice'; channel: string })
  | (At & { do: 'leaveVoice' })
  | (At & {
      do: 'speak';
      frames?: number;
      opusHex?: string[];
      /** A sine tone of this many Hz for `seconds` (at `volume`, default 0.5). */
      tone?: number;
      seconds?: number;
      volume?: number;
      /** An Ogg Opus file, relative to the scenario file (the CLI) or the run's `baseDir`. */
      file?: string;
    })
  | (At & {
      do: 'heard';
      /** Whose audio: a scenario user (name or id), "bot", or any user id; default everyone. */
      from?: string;
      /** Expect a tone of this many Hz. */
      tone?: number;
      /** Expect at least this much audio (with `tone`: this much of the tone). */
      minMs?: number;
      /** How long to wait for the expectation (default 10000 ms). */
      timeoutMs?: number;
      /** Write what she heard to this Ogg Opus file (relative like `file`). */
      record?: string;
    })
  | (At & { do: 'status'; status: ScenarioStatus })
  | (At & { do: 'joinGuild'; guild: string })
  | (At & { do: 'leaveGuild'; guild: string });

export interface Scenario {
  world?: EmulatorSeed;
  users: ScenarioUser[];
  timeline: ScenarioStep[];
}

const SNOWFLAKE = /^[0-9]{1,20}$/;
const STATUSES: ReadonlySet<string> = new Set(['online', 'idle', 'dnd', 'offline']);
/** A generous bound for synthetic speech: 10 minutes of 20 ms frames. */
const MAX_FRAMES = 30_000;
const STEP_FIELDS: Readonly<Record<ScenarioStep['do'], readonly string[]>> = {
  say: ['channel', 'content'],
  dm: ['content'],
  submitModal: ['channel', 'customId', 'fields'],
  type: ['channel'],
  react: ['channel', 'message', 'emoji'],
  command: ['channel', 'name', 'options'],
  click: ['channel', 'message', 'customId', 'values'],
  joinVoice: ['channel', 'dave', 'selfMute', 'selfDeaf'],
  moveVoice: ['channel'],
  leaveVoice: [],
  speak: ['frames', 'opusHex', 'tone', 'seconds', 'volume', 'file'],
  heard: ['from', 'tone', 'minMs', 'timeoutMs', 'record'],
  status: ['status'],
  joinGuild: ['guild'],
  leaveGuild: ['guild'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function snowflake(v: unknown, path: string): string {
  if (typeof v !== 'string' || !SNOWFLAKE.test(v))
    throw new ScenarioError(path, 'expected a snowflake string');
  return v;
}

function text(v: unknown, path: string, max: number): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) {
    throw new ScenarioError(path, `expected a string of 1-${max} characters`);
  }
  return v;
}

function number(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw new ScenarioError(path, `expected a number from ${min} to ${max}`);
  return v;
}

function optionalBoolean(v: unknown, path: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ScenarioError(path, 'expected true or false');
  return v;
}

function commandOptions(v: unknown, path: string, depth = 0): ScenarioCommandOption[] {
  if (!Array.isArray(v)) throw new ScenarioError(path, 'expected a list of options');
  if (depth > 2)
    throw new ScenarioError(path, 'options nest at most two levels (subcommand group, subcommand)');
  return v.map((o, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(o)) throw new ScenarioError(p, 'expected an object');
    if (typeof o.type !== 'number' || !Number.isInteger(o.type) || o.type < 1 || o.type > 11) {
      throw new ScenarioError(`${p}.type`, 'expected an application command option type (1-11)');
    }
    const out: ScenarioCommandOption = { name: text(o.name, `${p}.name`, 32), type: o.type };
    if (o.value !== undefined) out.value = o.value;
    if (o.options !== undefined) out.options = commandOptions(o.options, `${p}.options`, depth + 1);
    return out;
  });
}

function parseStep(raw: unknown, path: string, users: ReadonlySet<string>): ScenarioStep {
  if (!isObject(raw)) throw new ScenarioError(path, 'expected an object');
  const kind = raw.do;
  if (typeof kind !== 'string' || !(kind in STEP_FIELDS)) {
    throw new ScenarioError(
      `${path}.do`,
      `unknown step ${JSON.stringify(kind)}; one of ${Object.keys(STEP_FIELDS).join(', ')}`,
    );
  }
  const known = new Set(['at', 'user', 'do', ...STEP_FIELDS[kind as ScenarioStep['do']]]);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) throw new ScenarioError(`${path}.${key}`, `not a field of a "${kind}" step`);
  }
  if (typeof raw.at !== 'number' || !Number.isFinite(raw.at) || raw.at < 0) {
    throw new ScenarioError(`${path}.at`, 'expected milliseconds >= 0');
  }
  const user = text(raw.user, `${path}.user`, 100);
  if (!users.has(user))
    throw new ScenarioError(`${path}.user`, `no user "${user}" in "users" (by username or id)`);
  const at = { at: raw.at, user };
  const channel = () => snowflake(raw.channel, `${path}.channel`);
  const message = () => {
    if (raw.message === LAST_BOT_MESSAGE) return LAST_BOT_MESSAGE;
    return snowflake(raw.message, `${path}.message`);
  };
  switch (kind as ScenarioStep['do']) {
    case 'say':
      return { ...at, do: 'say', channel: channel(), content: text(raw.content, `${path}.content`, 2000) };
    case 'dm':
      return { ...at, do: 'dm', content: text(raw.content, `${path}.content`, 2000) };
    case 'submitModal': {
      const fields = raw.fields;
      if (
        !isObject(fields) ||
        Object.keys(fields).length === 0 ||
        Object.keys(fields).length > 5 ||
        Object.values(fields).some((v) => typeof v !== 'string' || v.length > 4000)
      ) {
        throw new ScenarioError(
          `${path}.fields`,
          'expected 1-5 text inputs by custom id, each a string of at most 4000 characters',
        );
      }
      return {
        ...at,
        do: 'submitModal',
        channel: channel(),
        customId: text(raw.customId, `${path}.customId`, 100),
        fields: { ...(fields as Record<string, string>) },
      };
    }
    case 'type':
      return { ...at, do: 'type', channel: channel() };
    case 'react':
      return {
        ...at,
        do: 'react',
        channel: channel(),
        message: message(),
        emoji: text(raw.emoji, `${path}.emoji`, 100),
      };
    case 'command': {
      const name = text(raw.name, `${path}.name`, 32);
      return {
        ...at,
        do: 'command',
        channel: channel(),
        name,
        ...(raw.options !== undefined ? { options: commandOptions(raw.options, `${path}.options`) } : {}),
      };
    }
    case 'click': {
      let values: string[] | undefined;
      if (raw.values !== undefined) {
        if (!Array.isArray(raw.values) || raw.values.some((v) => typeof v !== 'string')) {
          throw new ScenarioError(`${path}.values`, 'expected a list of strings');
        }
        values = raw.values as string[];
      }
      return {
        ...at,
        do: 'click',
        channel: channel(),
        message: message(),
        customId: text(raw.customId, `${path}.customId`, 100),
        ...(values !== undefined ? { values } : {}),
      };
    }
    case 'joinVoice': {
      const step: ScenarioStep = { ...at, do: 'joinVoice', channel: channel() };
      const dave = optionalBoolean(raw.dave, `${path}.dave`);
      const selfMute = optionalBoolean(raw.selfMute, `${path}.selfMute`);
      const selfDeaf = optionalBoolean(raw.selfDeaf, `${path}.selfDeaf`);
      return {
        ...step,
        ...(dave !== undefined ? { dave } : {}),
        ...(selfMute !== undefined ? { selfMute } : {}),
        ...(selfDeaf !== undefined ? { selfDeaf } : {}),
      };
    }
    case 'moveVoice':
      return { ...at, do: 'moveVoice', channel: channel() };
    case 'leaveVoice':
      return { ...at, do: 'leaveVoice' };
    case 'speak': {
      const given = ['frames', 'opusHex', 'tone', 'file'].filter((k) => raw[k] !== undefined);
      if (given.length !== 1) {
        throw new ScenarioError(
          path,
          'a "speak" step has one of "frames" (a count), "opusHex" (a list of frames), "tone" (Hz, with "seconds") or "file" (Ogg Opus)',
        );
      }
      if (raw.tone === undefined && (raw.seconds !== undefined || raw.volume !== undefined))
        throw new ScenarioError(`${path}.seconds`, '"seconds" and "volume" go with "tone"');
      if (raw.tone !== undefined) {
        const tone = number(raw.tone, `${path}.tone`, 1, 23_999);
        const seconds = number(raw.seconds, `${path}.seconds`, 0.02, MAX_FRAMES / 50);
        const volume = raw.volume === undefined ? undefined : number(raw.volume, `${path}.volume`, 0, 1);
        return { ...at, do: 'speak', tone, seconds, ...(volume !== undefined ? { volume } : {}) };
      }
      if (raw.file !== undefined) return { ...at, do: 'speak', file: text(raw.file, `${path}.file`, 4096) };
      if (raw.frames !== undefined) {
        if (
          typeof raw.frames !== 'number' ||
          !Number.isInteger(raw.frames) ||
          raw.frames < 1 ||
          raw.frames > MAX_FRAMES
        ) {
          throw new ScenarioError(`${path}.frames`, `expected a count of frames, 1-${MAX_FRAMES}`);
        }
        return { ...at, do: 'speak', frames: raw.frames };
      }
      const hex = raw.opusHex;
      if (
        !Array.isArray(hex) ||
        hex.length === 0 ||
        hex.length > MAX_FRAMES ||
        hex.some(
          (f) => typeof f !== 'string' || f.length === 0 || f.length > 2550 || !/^([0-9a-fA-F]{2})+$/.test(f),
        )
      ) {
        throw new ScenarioError(
          `${path}.opusHex`,
          'expected a list of Opus frames in hex (at most 1275 bytes each)',
        );
      }
      return { ...at, do: 'speak', opusHex: hex as string[] };
    }
    case 'heard': {
      const step: ScenarioStep = { ...at, do: 'heard' };
      if (raw.from !== undefined) {
        const from = text(raw.from, `${path}.from`, 32);
        if (from !== 'bot' && !users.has(from) && !SNOWFLAKE.test(from))
          throw new ScenarioError(`${path}.from`, `unknown user "${from}" (a scenario user, "bot" or an id)`);
        step.from = from;
      }
      if (raw.tone !== undefined) step.tone = number(raw.tone, `${path}.tone`, 1, 23_999);
      if (raw.minMs !== undefined) step.minMs = number(raw.minMs, `${path}.minMs`, 0, MAX_FRAMES * 20);
      if (raw.timeoutMs !== undefined)
        step.timeoutMs = number(raw.timeoutMs, `${path}.timeoutMs`, 0, 600_000);
      if (raw.record !== undefined) step.record = text(raw.record, `${path}.record`, 4096);
      return step;
    }
    case 'status': {
      if (typeof raw.status !== 'string' || !STATUSES.has(raw.status)) {
        throw new ScenarioError(`${path}.status`, 'expected online, idle, dnd or offline');
      }
      return { ...at, do: 'status', status: raw.status as ScenarioStatus };
    }
    case 'joinGuild':
      return { ...at, do: 'joinGuild', guild: snowflake(raw.guild, `${path}.guild`) };
    case 'leaveGuild':
      return { ...at, do: 'leaveGuild', guild: snowflake(raw.guild, `${path}.guild`) };
  }
}

/** Validates parsed JSON as a scenario; the world is checked by the seed's own validation at start. */
export function parseScenario(input: unknown): Scenario {
  if (!isObject(input)) throw new ScenarioError('$', 'expected an object with "users" and "timeline"');
  for (const key of Object.keys(input)) {
    if (key !== 'world' && key !== 'users' && key !== 'timeline') {
      throw new ScenarioError(key, 'not a scenario field (world, users, timeline)');
    }
  }
  if (input.world !== undefined && !isObject(input.world))
    throw new ScenarioError('world', 'expected a seed object');
  const usersIn = input.users ?? [];
  if (!Array.isArray(usersIn)) throw new ScenarioError('users', 'expected a list of users');
  const names = new Set<string>();
  const users = usersIn.map((u, i): ScenarioUser => {
    const path = `users[${i}]`;
    if (!isObject(u)) throw new ScenarioError(path, 'expected an object');
    const username = text(u.username, `${path}.username`, 32);
    if (names.has(username)) throw new ScenarioError(`${path}.username`, `duplicate user "${username}"`);
    names.add(username);
    const out: ScenarioUser = { username };
    if (u.id !== undefined) {
      out.id = snowflake(u.id, `${path}.id`);
      if (names.has(out.id)) throw new ScenarioError(`${path}.id`, `duplicate user id ${out.id}`);
      names.add(out.id);
    }
    if (u.guilds !== undefined) {
      if (!Array.isArray(u.guilds)) throw new ScenarioError(`${path}.guilds`, 'expected a list of guild ids');
      out.guilds = u.guilds.map((g, gi) => snowflake(g, `${path}.guilds[${gi}]`));
    }
    if (u.status !== undefined) {
      if (typeof u.status !== 'string' || !STATUSES.has(u.status)) {
        throw new ScenarioError(`${path}.status`, 'expected online, idle, dnd or offline');
      }
      out.status = u.status as ScenarioStatus;
    }
    return out;
  });
  const timelineIn = input.timeline ?? [];
  if (!Array.isArray(timelineIn)) throw new ScenarioError('timeline', 'expected a list of steps');
  const timeline = timelineIn.map((s, i) => parseStep(s, `timeline[${i}]`, names));
  return {
    ...(input.world !== undefined ? { world: input.world as EmulatorSeed } : {}),
    users,
    timeline,
  };
}

/** Whether any step needs a voice server. */
export function scenarioUsesVoice(scenario: Scenario): boolean {
  return scenario.timeline.some(
    (s) => s.do === 'joinVoice' || s.do === 'moveVoice' || s.do === 'speak' || s.do === 'heard',
  );
}
