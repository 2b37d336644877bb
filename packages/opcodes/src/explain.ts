/**
 * The logic behind the `cordwire-opcodes` CLI, as a pure function from arguments (and stdin text)
 * to output and an exit code, so it is tested without spawning. Internal: not exported from index.
 */
import { type CloseCodeInfo, gatewayCloseCodeInfo, voiceCloseCodeInfo } from './closeCodes.js';
import { encryptionModeInfo } from './encryptionModes.js';
import { decodeEtf } from './etf.js';
import { type Sender, decodeGatewayPayload } from './gatewayCodec.js';
import { describeIntents } from './gatewayIntents.js';
import {
  type GatewayOpcodeInfo,
  gatewayOpcodeByName,
  gatewayOpcodeGaps,
  gatewayOpcodeInfo,
  gatewayOpcodes,
} from './gatewayOpcodes.js';
import type { OpcodeGap } from './opcodeCatalog.js';
import type { DecodeResult, PayloadDecodeError } from './payloadDecodeError.js';
import { SpeakingFlags } from './speakingFlags.js';
import { decodeClientBinaryFrame, decodeServerBinaryFrame } from './voiceBinary.js';
import { decodeVoicePayload } from './voiceCodec.js';
import { VoiceFlags } from './voiceFlags.js';
import {
  type VoiceOpcodeInfo,
  voiceOpcodeByName,
  voiceOpcodeGaps,
  voiceOpcodeInfo,
  voiceOpcodes,
} from './voiceOpcodes.js';
import { VoicePlatform } from './voicePlatform.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Exit codes: 0 found / valid, 1 not found / invalid payload, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_NOT_FOUND = 1;
export const EXIT_USAGE = 2;

export const USAGE = `cordwire-opcodes: Discord gateway and voice opcodes, close codes and payloads

Usage:
  cordwire-opcodes gateway <code|name>      a main-gateway opcode (e.g. 14, "Lobby Voice States")
  cordwire-opcodes voice <code|name>        a voice-gateway opcode (e.g. 25, "Client Flags")
  cordwire-opcodes close <code>             what a close code means on each gateway, and what to do
  cordwire-opcodes list gateway|voice|close the whole table
  cordwire-opcodes intents <bits>           the intent names in an intents bitfield
  cordwire-opcodes decode [--gateway|--voice] [--client|--server] <json|hex|->
                                            validate and explain a payload: JSON text, or hex of a
                                            binary voice frame (server: u16 seq|u8 op|payload;
                                            --client: u8 op|payload) or of a gateway ETF message;
                                            reads stdin when the payload is "-" or missing
Options:
  --json    machine-readable output
  -h, --help

Exit codes: 0 ok, 1 not found or invalid payload, 2 usage error.`;

interface Flags {
  json: boolean;
  protocol?: 'gateway' | 'voice';
  sender?: Sender;
  help: boolean;
}

function parseArgs(argv: readonly string[]): { flags: Flags; rest: string[]; unknown: string[] } {
  const flags: Flags = { json: false, help: false };
  const rest: string[] = [];
  const unknown: string[] = [];
  for (const a of argv) {
    if (a === '--json') flags.json = true;
    else if (a === '--gateway') flags.protocol = 'gateway';
    else if (a === '--voice') flags.protocol = 'voice';
    else if (a === '--client') flags.sender = 'client';
    else if (a === '--server') flags.sender = 'server';
    else if (a === '-h' || a === '--help') flags.help = true;
    else if (a.startsWith('--')) unknown.push(a);
    else rest.push(a);
  }
  return { flags, rest, unknown };
}

const ok = (stdout: string): CliResult => ({ code: EXIT_OK, stdout: `${stdout}\n`, stderr: '' });
const usage = (message: string): CliResult => ({
  code: EXIT_USAGE,
  stdout: '',
  stderr: `cordwire-opcodes: ${message}\nRun "cordwire-opcodes --help" for usage.\n`,
});
const notFound = (message: string, json: boolean, detail?: object): CliResult => ({
  code: EXIT_NOT_FOUND,
  stdout: json ? `${JSON.stringify({ error: message, ...detail }, null, 2)}\n` : '',
  stderr: json ? '' : `cordwire-opcodes: ${message}\n`,
});
const asJson = (v: unknown) => JSON.stringify(v, null, 2);

export function runOpcodesCli(argv: readonly string[], stdin?: string): CliResult {
  const { flags, rest, unknown } = parseArgs(argv);
  if (unknown.length > 0) return usage(`unknown option ${unknown[0]}`);
  if (flags.help) return ok(USAGE);
  const [command, ...args] = rest;
  switch (command) {
    case undefined:
      return ok(flags.json ? asJson(summaryJson()) : summary());
    case 'gateway':
    case 'voice':
      if (args.length !== 1) return usage(`"${command}" takes one code or name`);
      return lookupOpcode(command, args[0]!, flags.json);
    case 'close':
      if (args.length !== 1 || !/^\d+$/.test(args[0]!)) return usage('"close" takes one numeric close code');
      return lookupClose(Number(args[0]), flags.json);
    case 'list':
      return list(args[0], flags.json);
    case 'intents':
      if (args.length !== 1 || !/^(0x[0-9a-f]+|\d+)$/i.test(args[0]!))
        return usage('"intents" takes one number');
      return intents(Number(args[0]), flags.json);
    case 'decode': {
      if (args.length > 1)
        return usage('"decode" takes one payload (quote JSON so the shell keeps it whole)');
      const text = args[0] === undefined || args[0] === '-' ? stdin : args[0];
      if (text === undefined || text.trim() === '')
        return usage('"decode" needs a payload argument or stdin');
      return decode(text.trim(), flags);
    }
    default:
      return usage(`unknown command "${command}"`);
  }
}

// ---- summary ----

function summary(): string {
  const gw = gatewayOpcodes.filter((o) => o.documented).map((o) => `${o.code} ${o.name}`);
  return [
    'cordwire-opcodes: the protocol numbers of Discord gateway v10 and voice gateway v8',
    '',
    `Gateway opcodes: ${gatewayOpcodes.length} (${gatewayOpcodes.filter((o) => o.documented).length} documented: ${gw.join(', ')})`,
    `Voice opcodes:   ${voiceOpcodes.length} (${voiceOpcodes.filter((o) => o.format === 'binary').length} binary DAVE ops: ${voiceOpcodes
      .filter((o) => o.format === 'binary')
      .map((o) => o.code)
      .join(', ')})`,
    'Close codes:     gateway 4000-4016, voice 4001-4022, each with a reconnect policy',
    '',
    'Try:',
    '  cordwire-opcodes gateway 14',
    '  cordwire-opcodes voice "Client Flags"',
    '  cordwire-opcodes close 4017',
    `  cordwire-opcodes decode '{"op":8,"d":{"heartbeat_interval":41250}}'`,
    '  cordwire-opcodes decode --voice 000419deadbeef',
    '',
    USAGE,
  ].join('\n');
}

function summaryJson() {
  return {
    gatewayOpcodes: gatewayOpcodes.length,
    voiceOpcodes: voiceOpcodes.length,
    commands: ['gateway', 'voice', 'close', 'list', 'intents', 'decode'],
  };
}

// ---- lookups ----

const directionText = (d: string) =>
  d === 'send' ? 'client -> server' : d === 'receive' ? 'server -> client' : 'both directions';

function describeOpcode(protocol: 'gateway' | 'voice', e: GatewayOpcodeInfo | VoiceOpcodeInfo): string {
  const lines = [
    `${protocol} opcode ${e.code}: ${e.name}`,
    `  ${e.description}`,
    `  direction:  ${e.direction} (${directionText(e.direction)})`,
    `  documented: ${e.documented ? 'yes' : 'no'}`,
  ];
  if ('format' in e) lines.push(`  format:     ${e.format}`);
  if (e.aliases.length > 0) lines.push(`  aliases:    ${e.aliases.join(', ')}`);
  if (e.note) lines.push(`  note:       ${e.note}`);
  return lines.join('\n');
}

function lookupOpcode(protocol: 'gateway' | 'voice', query: string, json: boolean): CliResult {
  const isCode = /^\d+$/.test(query);
  const entry =
    protocol === 'gateway'
      ? isCode
        ? gatewayOpcodeInfo(Number(query))
        : gatewayOpcodeByName(query)
      : isCode
        ? voiceOpcodeInfo(Number(query))
        : voiceOpcodeByName(query);
  if (entry) return ok(json ? asJson({ protocol, ...entry }) : describeOpcode(protocol, entry));
  const gaps: readonly OpcodeGap[] = protocol === 'gateway' ? gatewayOpcodeGaps : voiceOpcodeGaps;
  const gap = isCode ? gaps.find((g) => g.code === Number(query)) : undefined;
  if (gap)
    return notFound(`${protocol} opcode ${gap.code} has no name: ${gap.note}`, json, { protocol, gap });
  const other =
    protocol === 'gateway'
      ? isCode
        ? voiceOpcodeInfo(Number(query))
        : voiceOpcodeByName(query)
      : isCode
        ? gatewayOpcodeInfo(Number(query))
        : gatewayOpcodeByName(query);
  const hint = other
    ? ` (the ${protocol === 'gateway' ? 'voice' : 'gateway'} gateway has ${other.code} ${other.name})`
    : '';
  return notFound(`no ${protocol} opcode ${isCode ? query : `named "${query}"`}${hint}`, json);
}

const policyText: Record<string, string> = {
  resume: 'reconnect and resume the session',
  newSession: 'reconnect and identify with a new session',
  rejoin: 'ask the main gateway (op 4) for a new voice server and token, then identify',
  fatal: 'do not reconnect',
};

function describeClose(protocol: string, c: CloseCodeInfo): string[] {
  return [
    `${protocol} ${c.code} ${c.name}: ${c.description}`,
    `  ${c.explanation}`,
    `  policy: ${c.policy} (${policyText[c.policy]})`,
    ...(c.note ? [`  note:   ${c.note}`] : []),
  ];
}

function lookupClose(code: number, json: boolean): CliResult {
  const gateway = gatewayCloseCodeInfo(code);
  const voice = voiceCloseCodeInfo(code);
  if (!gateway && !voice) {
    const hint =
      code < 4000
        ? ' (a WebSocket transport code: both gateways resume after it)'
        : ' (unknown 4xxx: the gateway treats it as 4000 and resumes; voice rejoins)';
    return notFound(`close code ${code} is not in either table${hint}`, json);
  }
  if (json) return ok(asJson({ code, gateway: gateway ?? null, voice: voice ?? null }));
  const lines = [
    ...(gateway ? describeClose('gateway', gateway) : [`gateway: ${code} is not a main-gateway close code`]),
    ...(voice ? describeClose('voice', voice) : [`voice: ${code} is not a voice-gateway close code`]),
  ];
  return ok(lines.join('\n'));
}

function list(what: string | undefined, json: boolean): CliResult {
  if (what === 'gateway' || what === 'voice') {
    const rows: readonly (GatewayOpcodeInfo | VoiceOpcodeInfo)[] =
      what === 'gateway' ? gatewayOpcodes : voiceOpcodes;
    if (json) return ok(asJson(rows));
    return ok(
      rows
        .map(
          (o) =>
            `${String(o.code).padStart(2)}  ${o.name.padEnd(40)} ${o.direction.padEnd(7)} ${o.documented ? 'doc' : '   '}${'format' in o ? `  ${o.format}` : ''}`,
        )
        .join('\n'),
    );
  }
  if (what === 'close') {
    const rows = [
      ...[...Array(17).keys()].map((i) => 4000 + i),
      ...[...Array(23).keys()].map((i) => 4000 + i),
    ].filter((c, i, a) => a.indexOf(c) === i);
    const table = rows
      .map((c) => ({ code: c, gateway: gatewayCloseCodeInfo(c), voice: voiceCloseCodeInfo(c) }))
      .filter((r) => r.gateway || r.voice);
    if (json) return ok(asJson(table));
    return ok(
      table
        .map(
          (r) =>
            `${r.code}  gateway: ${(r.gateway ? `${r.gateway.name} (${r.gateway.policy})` : '-').padEnd(38)} voice: ${r.voice ? `${r.voice.name} (${r.voice.policy})` : '-'}`,
        )
        .join('\n'),
    );
  }
  return usage('"list" takes gateway, voice or close');
}

function intents(bits: number, json: boolean): CliResult {
  const d = describeIntents(bits);
  if (json) return ok(asJson({ bits, ...d }));
  return ok(
    `${bits}: ${d.names.join(' | ') || '(none)'}${d.unknownBits ? `\n  unknown bits: 0x${d.unknownBits.toString(16)} (Discord closes with 4013)` : ''}`,
  );
}

// ---- decode ----

/** Keys whose values are secrets: shown as a length, never as content. */
const SECRET_KEYS = new Set(['token', 'secret_key', 'lobby_secret']);

function redact(v: unknown, depth = 0): unknown {
  if (depth > 32) return '…';
  if (Array.isArray(v)) return v.map((x) => redact(x, depth + 1));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = SECRET_KEYS.has(k)
        ? `<redacted ${Array.isArray(x) ? `${x.length} bytes` : typeof x}>`
        : redact(x, depth + 1);
    }
    return out;
  }
  return v;
}

function bitNames(bits: number, table: Record<string, number>): string {
  const names = Object.entries(table)
    .filter(([, b]) => (bits & b) !== 0)
    .map(([n]) => n);
  return names.length ? names.join(' | ') : 'none';
}

/** One-line readings of fields whose numbers mean something. */
function annotations(protocol: 'gateway' | 'voice', op: number, d: unknown): string[] {
  if (d === null || typeof d !== 'object' || Array.isArray(d)) return [];
  const f = d as Record<string, unknown>;
  const out: string[] = [];
  if (protocol === 'gateway' && op === 2 && typeof f.intents === 'number') {
    const i = describeIntents(f.intents);
    out.push(
      `intents ${f.intents} = ${i.names.join(' | ') || 'none'}${i.unknownBits ? ` + unknown 0x${i.unknownBits.toString(16)}` : ''}`,
    );
  }
  if (protocol === 'voice') {
    if (op === 5 && typeof f.speaking === 'number')
      out.push(`speaking ${f.speaking} = ${bitNames(f.speaking, SpeakingFlags)}`);
    if (op === 18 && typeof f.flags === 'number')
      out.push(`flags ${f.flags} = ${bitNames(f.flags, VoiceFlags)}`);
    if (op === 20 && typeof f.platform === 'number') {
      const name = Object.entries(VoicePlatform).find(([, v]) => v === f.platform)?.[0];
      out.push(`platform ${f.platform} = ${name ?? 'unknown'}`);
    }
    const mode = typeof f.mode === 'string' ? f.mode : (f.data as Record<string, unknown> | undefined)?.mode;
    if ((op === 1 || op === 4) && typeof mode === 'string') {
      const info = encryptionModeInfo(mode);
      out.push(
        `mode ${mode}: ${info ? `${info.status} (${info.cipher})` : 'not a known encryption mode (Discord closes with 4016)'}`,
      );
    }
    if (op === 0) {
      const v = f.max_dave_protocol_version;
      out.push(
        typeof v === 'number' && v > 0
          ? `announces DAVE up to version ${v}`
          : 'no DAVE support announced: channels that require E2EE close with 4017',
      );
    }
    if ((op === 21 || op === 24) && f.protocol_version === 0)
      out.push('protocol_version 0: a downgrade to transport-only encryption');
    if ((op === 21 || op === 22 || op === 29) && f.transition_id === 0)
      out.push('transition_id 0: (re)initialization, executed at once without op 23');
    if (op === 24 && f.epoch === 1) out.push('epoch 1: a new MLS group; send a fresh key package (op 26)');
  }
  return out;
}

interface Attempt {
  protocol: 'gateway' | 'voice';
  sender: Sender;
  result: DecodeResult<{ op: number; d: unknown }>;
}

function decode(text: string, flags: Flags): CliResult {
  // A message is a JSON object; anything made only of hex digits (and spaces or colons) is a frame.
  const looksJson = !/^(0x)?[0-9a-f\s:]+$/i.test(text);
  if (looksJson) return decodeJson(text, flags);
  const bytes = parseHex(text);
  if (!bytes) return notFound('payload is neither JSON nor an even-length hex string', flags.json);
  if (flags.protocol === 'gateway' || (flags.protocol === undefined && bytes[0] === 131)) {
    // 131 is the ETF version byte: a gateway message in encoding=etf.
    const etf = decodeEtf(bytes);
    if (!etf.ok) return notFound(`not a valid ETF gateway message: ${etf.error.message}`, flags.json);
    return decodeJson(etf.value, { ...flags, protocol: 'gateway' }, 'ETF');
  }
  return decodeBinaryFrame(bytes, flags);
}

/**
 * Hex digits (spaces and colons between them ignored, an optional 0x in front) to bytes, or
 * undefined when not an even number of them. One pass, no regex over the whole input: a
 * backtracking `(..)+` overflowed the stack on a few megabytes.
 */
function parseHex(text: string): Uint8Array | undefined {
  const start = /^0x/i.test(text) ? 2 : 0;
  const out = new Uint8Array((text.length - start) >>> 1);
  let n = 0;
  let high = -1;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x3a || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    const v = hexValue(c);
    if (v < 0) return undefined;
    if (high < 0) {
      high = v;
    } else {
      out[n++] = (high << 4) | v;
      high = -1;
    }
  }
  return high < 0 && n > 0 ? out.subarray(0, n) : undefined;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function decodeJson(input: unknown, flags: Flags, encoding = 'JSON'): CliResult {
  const protocols = flags.protocol ? [flags.protocol] : (['gateway', 'voice'] as const);
  const senders: Sender[] = flags.sender ? [flags.sender] : ['server', 'client'];
  const attempts: Attempt[] = [];
  let parsed: unknown = input;
  if (typeof input === 'string') {
    try {
      parsed = JSON.parse(input);
    } catch {
      return notFound('payload is not valid JSON', flags.json);
    }
  }
  for (const protocol of protocols) {
    for (const sender of senders) {
      const result =
        protocol === 'gateway'
          ? decodeGatewayPayload(parsed, { sender })
          : decodeVoicePayload(parsed, { sender });
      attempts.push({ protocol, sender, result: result as Attempt['result'] });
    }
  }
  const rec = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  // A top-level seq is voice v8; s/t are the main gateway's. Use them to order the readings.
  const voiceFirst = 'seq' in rec && !('s' in rec);
  attempts.sort(
    (a, b) =>
      Number(a.protocol === 'voice' ? !voiceFirst : voiceFirst) -
      Number(b.protocol === 'voice' ? !voiceFirst : voiceFirst),
  );
  const good = attempts.filter((a) => a.result.ok);
  if (good.length > 0) {
    const best = good[0]!;
    const value = (
      best.result as { value: { op: number; d: unknown; seq?: number; s?: number | null; t?: string | null } }
    ).value;
    const entry = best.protocol === 'gateway' ? gatewayOpcodeInfo(value.op) : voiceOpcodeInfo(value.op);
    const also = good.slice(1).map((a) => `${a.protocol} (${a.sender}-sent)`);
    const notes = annotations(best.protocol, value.op, value.d);
    if (flags.json) {
      return ok(
        asJson({
          valid: true,
          protocol: best.protocol,
          sender: best.sender,
          encoding,
          op: value.op,
          name: entry?.name,
          description: entry?.description,
          payload: redact(value),
          notes,
          alsoValidAs: also,
        }),
      );
    }
    const lines = [
      `${best.protocol} op ${value.op} ${entry?.name ?? ''} — valid ${best.sender} -> ${best.sender === 'client' ? 'server' : 'client'} ${encoding} message`,
      `  ${entry?.description ?? ''}`,
    ];
    if (value.t) lines.push(`  event: ${value.t}, sequence ${value.s}`);
    if (typeof value.seq === 'number') lines.push(`  seq: ${value.seq}`);
    lines.push(`  d: ${JSON.stringify(redact(value.d))?.slice(0, 2000) ?? 'null'}`);
    for (const n of notes) lines.push(`  - ${n}`);
    if (also.length) lines.push(`  (also valid as ${also.join(', ')})`);
    return ok(lines.join('\n'));
  }
  // Nothing accepted it: show the errors that say most (a field error beats "wrong direction").
  const rank = (e: PayloadDecodeError) =>
    e.code === 'INVALID_FIELD'
      ? 0
      : e.code === 'BINARY_OPCODE_AS_JSON'
        ? 1
        : e.code === 'WRONG_DIRECTION'
          ? 2
          : 3;
  const errors = attempts
    .map((a) => ({ ...a, error: (a.result as { error: PayloadDecodeError }).error }))
    .sort((a, b) => rank(a.error) - rank(b.error));
  const bestRank = rank(errors[0]!.error);
  const shown = errors.filter((e) => rank(e.error) === bestRank);
  const detail = shown.map((e) => ({
    protocol: e.protocol,
    sender: e.sender,
    code: e.error.code,
    opcode: e.error.opcode,
    path: e.error.path,
    expected: e.error.expected,
    message: e.error.message,
  }));
  if (flags.json) return notFound('invalid payload', true, { valid: false, errors: detail });
  return {
    code: EXIT_NOT_FOUND,
    stdout: '',
    stderr: `invalid payload:\n${detail.map((e) => `  as ${e.sender}-sent ${e.protocol}: ${e.message} [${e.code}]`).join('\n')}\n`,
  };
}

function hexPreview(b: Uint8Array, max = 32): string {
  const shown = Array.from(b.subarray(0, max), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return b.length > max ? `${shown} … (${b.length} bytes)` : shown;
}

function decodeBinaryFrame(bytes: Uint8Array, flags: Flags): CliResult {
  const sender = flags.sender ?? 'server';
  const r = sender === 'client' ? decodeClientBinaryFrame(bytes) : decodeServerBinaryFrame(bytes);
  if (!r.ok) {
    const hint = sender === 'server' ? ' (a client frame has no seq: try --client)' : '';
    return notFound(`not a ${sender} binary voice frame: ${r.message}${hint}`, flags.json, { code: r.code });
  }
  const frame = r.value;
  const entry = voiceOpcodeInfo(frame.op)!;
  const seq = 'seq' in frame ? (frame as { seq: number }).seq : undefined;
  const notes: string[] = [];
  const p = frame.payload;
  if (entry.direction === 'send' && sender === 'server')
    notes.push(`${entry.name} is client-sent; a client frame has no seq (try --client)`);
  if (entry.direction === 'receive' && sender === 'client')
    notes.push(`${entry.name} is server-sent; server frames start with a u16 seq`);
  if ((frame.op === 29 || frame.op === 30) && p.length >= 2)
    notes.push(`transition_id ${(p[0]! << 8) | p[1]!}`);
  if (frame.op === 27 && p.length >= 1) {
    notes.push(
      `operation_type ${p[0]} (${p[0] === 0 ? 'append proposals' : p[0] === 1 ? 'revoke proposals' : 'unknown'})`,
    );
  }
  if (frame.op === 26 && p.length >= 4)
    notes.push(`KeyPackage version ${(p[0]! << 8) | p[1]!}, cipher suite ${(p[2]! << 8) | p[3]!}`);
  if (flags.json) {
    return ok(
      asJson({
        valid: true,
        protocol: 'voice',
        sender,
        encoding: 'binary',
        op: frame.op,
        name: entry.name,
        seq,
        payloadLength: p.length,
        payloadHex: hexPreview(p, p.length),
        notes,
      }),
    );
  }
  const lines = [
    `voice op ${frame.op} ${entry.name} — ${sender} -> ${sender === 'client' ? 'server' : 'client'} binary frame`,
    `  ${entry.description}`,
    ...(seq !== undefined ? [`  seq: ${seq}`] : []),
    `  payload: ${p.length} bytes: ${hexPreview(p)}`,
    ...notes.map((n) => `  - ${n}`),
  ];
  return ok(lines.join('\n'));
}
