/**
 * Plays a scenario's timeline on a running emulator: creates its users, then runs each step at
 * its `at` (milliseconds after the start, on the emulator's clock). Steps run in order; a step
 * starts at its `at` or when the step before it finished, whichever is later. Speaking runs in
 * the background so a timeline can go on while audio plays.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sleep } from '../clock.js';
import type { Emulator } from '../emulator.js';
import type { SimulatedUser } from '../users/index.js';
import { LAST_BOT_MESSAGE, type Scenario, type ScenarioStep } from './scenario.js';

export interface ScenarioStepResult {
  index: number;
  step: ScenarioStep;
  /** Emulator-clock milliseconds after the start when the step ran. */
  ranAt: number;
  error?: string;
  /** A `heard` step: what the user heard (from `from`) when the step ended. */
  heard?: { frames: number; durationMs: number; lost: number; dominantFrequency?: number; toneMs?: number };
}

export interface ScenarioRunOptions {
  /** Called after each step (the CLI prints it). */
  onStep?: (result: ScenarioStepResult) => void;
  /** Stop at the first failing step and reject with its error (default false: log it and go on). */
  stopOnError?: boolean;
  /** Where `file` and `record` paths are relative to (the CLI: the scenario file's folder). Default: the working directory. */
  baseDir?: string;
}

/** A fake Opus frame carrying its index: the voice path does not decode it, receivers can count it. */
export function syntheticOpusFrame(i: number): Uint8Array {
  const f = new Uint8Array(40);
  f[0] = 0xfc;
  new DataView(f.buffer).setUint32(1, i);
  for (let k = 5; k < f.length; k++) f[k] = (i * 31 + k) & 0xff;
  return f;
}

/** Creates the scenario's users in a running emulator (idempotent by id). */
export function createScenarioUsers(emu: Emulator, scenario: Scenario): Map<string, SimulatedUser> {
  const byName = new Map<string, SimulatedUser>();
  for (const u of scenario.users) {
    const user = emu.users.create({
      username: u.username,
      ...(u.id !== undefined ? { id: u.id } : {}),
      ...(u.guilds !== undefined ? { guilds: u.guilds } : {}),
      ...(u.status !== undefined ? { status: u.status } : {}),
    });
    byName.set(u.username, user);
    byName.set(user.id, user);
  }
  return byName;
}

function lastBotMessage(emu: Emulator, channelId: string): string {
  const sent = emu.bot.messages(channelId);
  const last = sent[sent.length - 1];
  if (!last) throw new Error(`the bot has sent no message in ${channelId} yet`);
  return last.id;
}

/**
 * A `heard` step: waits (up to `timeoutMs`) until the user heard what the step expects, records
 * it to a file if asked, and fails with what she did hear when the expectation is not met.
 */
async function heardStep(
  emu: Emulator,
  users: Map<string, SimulatedUser>,
  user: SimulatedUser,
  step: Extract<ScenarioStep, { do: 'heard' }>,
  result: ScenarioStepResult,
  baseDir: string,
): Promise<void> {
  const from =
    step.from === undefined
      ? undefined
      : step.from === 'bot'
        ? emu.world.bot.id
        : (users.get(step.from)?.id ?? step.from);
  const clock = emu.world.clock;
  const deadline = clock.now() + (step.timeoutMs ?? 10_000);
  const expects = step.tone !== undefined || step.minMs !== undefined;
  const met = (): boolean => {
    const heard = user.heard(from);
    const ms = step.tone !== undefined ? heard.toneMs(step.tone) : heard.durationMs;
    if (ms < (step.minMs ?? 20)) return false;
    return step.tone === undefined || heard.matchesTone(step.tone);
  };
  while (expects && !met() && clock.now() < deadline) await sleep(clock, 50);
  const heard = user.heard(from);
  const dominant = heard.frames.length > 0 ? heard.dominantFrequency : undefined;
  result.heard = {
    frames: heard.frames.length,
    durationMs: heard.durationMs,
    lost: heard.lost,
    ...(dominant !== undefined ? { dominantFrequency: Math.round(dominant * 10) / 10 } : {}),
    ...(step.tone !== undefined ? { toneMs: heard.toneMs(step.tone) } : {}),
  };
  if (step.record !== undefined) writeFileSync(resolve(baseDir, step.record), heard.toOgg());
  if (expects && !met()) {
    const want = `${step.tone !== undefined ? `a ${step.tone} Hz tone` : 'audio'}${
      step.minMs !== undefined ? ` for ${step.minMs} ms` : ''
    }`;
    throw new Error(
      `${user.username} did not hear ${want}${from ? ` from ${step.from}` : ''}: heard ${JSON.stringify(result.heard)}`,
    );
  }
}

async function runStep(
  emu: Emulator,
  user: SimulatedUser,
  step: ScenarioStep,
  speaking: Promise<void>[],
  baseDir: string,
): Promise<void> {
  switch (step.do) {
    case 'say':
      user.say(step.channel, step.content);
      return;
    case 'dm':
      user.dm(step.content);
      return;
    case 'submitModal':
      user.submitModal(step.channel, step.customId, step.fields);
      return;
    case 'type':
      user.type(step.channel);
      return;
    case 'react': {
      const message = step.message === LAST_BOT_MESSAGE ? lastBotMessage(emu, step.channel) : step.message;
      user.react(step.channel, message, step.emoji);
      return;
    }
    case 'command':
      user.runCommand(step.channel, step.name, step.options);
      return;
    case 'click': {
      const message = step.message === LAST_BOT_MESSAGE ? lastBotMessage(emu, step.channel) : step.message;
      user.click(step.channel, message, step.customId, step.values);
      return;
    }
    case 'joinVoice':
      await user.joinVoice(step.channel, {
        ...(step.dave !== undefined ? { dave: step.dave } : {}),
        ...(step.selfMute !== undefined ? { selfMute: step.selfMute } : {}),
        ...(step.selfDeaf !== undefined ? { selfDeaf: step.selfDeaf } : {}),
      });
      return;
    case 'moveVoice':
      await user.moveVoice(step.channel);
      return;
    case 'leaveVoice':
      user.leaveVoice();
      return;
    case 'speak': {
      if (step.tone !== undefined) {
        const tone = {
          tone: step.tone,
          seconds: step.seconds ?? 1,
          ...(step.volume !== undefined ? { volume: step.volume } : {}),
        };
        speaking.push(user.speak(tone));
        return;
      }
      if (step.file !== undefined) {
        speaking.push(user.speak({ ogg: resolve(baseDir, step.file) }));
        return;
      }
      const frames =
        step.frames !== undefined
          ? Array.from({ length: step.frames }, (_, i) => syntheticOpusFrame(i))
          : (step.opusHex ?? []).map((h) => new Uint8Array(Buffer.from(h, 'hex')));
      speaking.push(user.speak(frames));
      return;
    }
    case 'heard':
      return; // run by runScenario, which has the step's result
    case 'status':
      user.setStatus(step.status);
      return;
    case 'joinGuild':
      user.joinGuild(step.guild);
      return;
    case 'leaveGuild':
      user.leaveGuild(step.guild);
      return;
  }
}

/** Runs the timeline; resolves with what each step did once every step (and speech) is done. */
export async function runScenario(
  emu: Emulator,
  scenario: Scenario,
  opts: ScenarioRunOptions = {},
): Promise<ScenarioStepResult[]> {
  const users = createScenarioUsers(emu, scenario);
  const clock = emu.world.clock;
  const start = clock.now();
  const results: ScenarioStepResult[] = [];
  const speaking: Promise<void>[] = [];
  const ordered = scenario.timeline
    .map((step, index) => ({ step, index }))
    .sort((a, b) => a.step.at - b.step.at || a.index - b.index);
  for (const { step, index } of ordered) {
    await sleep(clock, start + step.at - clock.now());
    const result: ScenarioStepResult = { index, step, ranAt: clock.now() - start };
    try {
      const user = users.get(step.user)!;
      if (step.do === 'heard') await heardStep(emu, users, user, step, result, opts.baseDir ?? process.cwd());
      else await runStep(emu, user, step, speaking, opts.baseDir ?? process.cwd());
    } catch (err) {
      result.error = err instanceof Error ? err.message : String(err);
      if (opts.stopOnError) {
        results.push(result);
        opts.onStep?.(result);
        throw err;
      }
    }
    results.push(result);
    opts.onStep?.(result);
  }
  await Promise.all(speaking);
  return results;
}
