/**
 * Plays a scenario's timeline on a running emulator: creates its users, then runs each step at
 * its `at` (milliseconds after the start, on the emulator's clock). Steps run in order; a step
 * starts at its `at` or when the step before it finished, whichever is later. Speaking runs in
 * the background so a timeline can go on while audio plays.
 */
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
}

export interface ScenarioRunOptions {
  /** Called after each step (the CLI prints it). */
  onStep?: (result: ScenarioStepResult) => void;
  /** Stop at the first failing step and reject with its error (default false: log it and go on). */
  stopOnError?: boolean;
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

async function runStep(
  emu: Emulator,
  user: SimulatedUser,
  step: ScenarioStep,
  speaking: Promise<void>[],
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
      const frames =
        step.frames !== undefined
          ? Array.from({ length: step.frames }, (_, i) => syntheticOpusFrame(i))
          : (step.opusHex ?? []).map((h) => new Uint8Array(Buffer.from(h, 'hex')));
      speaking.push(user.speak(frames));
      return;
    }
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
      await runStep(emu, users.get(step.user)!, step, speaking);
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
