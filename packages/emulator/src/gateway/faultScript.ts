/**
 * Fault scripts: the control handle's faults as data, for the CLI's --script file and for
 * tests that want a scenario in one place. A script is a JSON list of steps, each run `at`
 * milliseconds after the script starts:
 *
 *   [{"at": 0, "do": "stream", "rate": 200, "count": 1000},
 *    {"at": 500, "do": "reconnect"},
 *    {"at": 900, "do": "close", "code": 4000},
 *    {"at": 1500, "do": "invalidate", "resumable": false}]
 *
 * `bomb` sends `bytes` spaces through the connection's compression (a few KiB on the wire).
 * `session` (a session id) narrows a fault to one session; the default is every connected one.
 */
import { FaultScriptError } from '../errors.js';

export type FaultStep =
  | { at: number; do: 'reconnect'; session?: string }
  | { at: number; do: 'invalidate'; resumable: boolean; session?: string }
  | { at: number; do: 'close'; code: number; reason?: string; session?: string }
  | { at: number; do: 'drop'; session?: string }
  | { at: number; do: 'stopAck'; session?: string }
  | { at: number; do: 'startAck'; session?: string }
  | { at: number; do: 'heartbeat'; session?: string }
  | { at: number; do: 'delay'; ms: number }
  | { at: number; do: 'garbage'; text?: string; hex?: string; bytes?: number; session?: string }
  | { at: number; do: 'bomb'; bytes: number; session?: string }
  | {
      at: number;
      do: 'stream';
      event?: string;
      rate: number;
      count: number;
      guildId?: string;
      session?: string;
    }
  | { at: number; do: 'dispatch'; event: string; data: unknown; guildId?: string; session?: string };

export type FaultScript = FaultStep[];

const KINDS = new Set([
  'reconnect',
  'invalidate',
  'close',
  'drop',
  'stopAck',
  'startAck',
  'heartbeat',
  'delay',
  'garbage',
  'bomb',
  'stream',
  'dispatch',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonNegativeNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** Validates parsed JSON as a script; accepts a bare list or `{"steps": [...]}`. */
export function parseFaultScript(input: unknown): FaultScript {
  const steps = isObject(input) && Array.isArray(input.steps) ? input.steps : input;
  if (!Array.isArray(steps)) throw new FaultScriptError(-1, 'a script is a list of steps');
  return steps.map((raw, i): FaultStep => {
    if (!isObject(raw)) throw new FaultScriptError(i, 'expected an object');
    const kind = raw.do;
    if (typeof kind !== 'string' || !KINDS.has(kind)) {
      throw new FaultScriptError(i, `unknown "do": ${JSON.stringify(kind)}; one of ${[...KINDS].join(', ')}`);
    }
    if (!nonNegativeNumber(raw.at)) throw new FaultScriptError(i, '"at" must be milliseconds >= 0');
    if (raw.session !== undefined && typeof raw.session !== 'string') {
      throw new FaultScriptError(i, '"session" must be a session id');
    }
    switch (kind) {
      case 'invalidate':
        if (typeof raw.resumable !== 'boolean')
          throw new FaultScriptError(i, '"resumable" must be a boolean');
        break;
      case 'close':
        if (!Number.isInteger(raw.code) || (raw.code as number) < 1000 || (raw.code as number) > 4999) {
          throw new FaultScriptError(i, '"code" must be a close code 1000-4999');
        }
        if (
          [1004, 1005, 1006].includes(raw.code as number) ||
          ((raw.code as number) > 1014 && (raw.code as number) < 3000)
        ) {
          throw new FaultScriptError(
            i,
            `close code ${raw.code} cannot be sent in a close frame (use "drop" for 1006)`,
          );
        }
        if (raw.reason !== undefined && typeof raw.reason !== 'string') {
          throw new FaultScriptError(i, '"reason" must be a string');
        }
        break;
      case 'delay':
        if (!nonNegativeNumber(raw.ms)) throw new FaultScriptError(i, '"ms" must be >= 0');
        break;
      case 'garbage':
        if (raw.hex !== undefined && (typeof raw.hex !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(raw.hex))) {
          throw new FaultScriptError(i, '"hex" must be an even-length hex string');
        }
        if (raw.text !== undefined && typeof raw.text !== 'string')
          throw new FaultScriptError(i, '"text" must be a string');
        if (
          raw.bytes !== undefined &&
          !(Number.isInteger(raw.bytes) && (raw.bytes as number) > 0 && (raw.bytes as number) <= 1 << 20)
        ) {
          throw new FaultScriptError(i, '"bytes" must be 1..1048576');
        }
        break;
      case 'bomb':
        if (
          !(Number.isInteger(raw.bytes) && (raw.bytes as number) > 0 && (raw.bytes as number) <= 256 << 20)
        ) {
          throw new FaultScriptError(i, '"bytes" must be 1..268435456');
        }
        break;
      case 'stream':
        if (!(typeof raw.rate === 'number' && raw.rate > 0))
          throw new FaultScriptError(i, '"rate" must be > 0');
        if (!(Number.isInteger(raw.count) && (raw.count as number) > 0)) {
          throw new FaultScriptError(i, '"count" must be a positive integer');
        }
        if (raw.event !== undefined && typeof raw.event !== 'string')
          throw new FaultScriptError(i, '"event" must be a string');
        break;
      case 'dispatch':
        if (typeof raw.event !== 'string' || raw.event.length === 0) {
          throw new FaultScriptError(i, '"event" must be an event name');
        }
        break;
    }
    return raw as unknown as FaultStep;
  });
}
