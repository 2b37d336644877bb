/**
 * A voice channel's end-to-end encryption setting. `required` is what Discord enforces for every
 * call since 2026-03-01 (research/dave.md 2): a client that offers no DAVE gets close 4017.
 * `optional` reproduces the phase-in behaviour: such a client joins and the channel downgrades
 * (op 21 with protocol version 0) until it leaves. `off` never speaks DAVE.
 */
import { EmulatorError } from '../../errors.js';

export type VoiceE2EESetting = 'required' | 'optional' | 'off';

export const VOICE_E2EE_SETTINGS: readonly VoiceE2EESetting[] = ['required', 'optional', 'off'];

export function isVoiceE2EESetting(value: unknown): value is VoiceE2EESetting {
  return typeof value === 'string' && (VOICE_E2EE_SETTINGS as readonly string[]).includes(value);
}

export function checkVoiceE2EESetting(value: unknown, where: string): VoiceE2EESetting {
  if (!isVoiceE2EESetting(value))
    throw new EmulatorError('EMULATOR_BAD_OPTION', `${where} must be 'required', 'optional' or 'off'`);
  return value;
}
