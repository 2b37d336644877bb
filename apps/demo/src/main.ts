/**
 * cordwire's main job: a bot joins an E2EE voice call, plays a song, and records everyone.
 *
 *   npm run demo                          # the embedded emulator: no token, no network
 *   npm run demo -- --out ./call --json   # recordings into ./call, the summary as JSON
 *   DISCORD_TOKEN=... GUILD_ID=... npm run demo   # the same bot on Discord (see README.md)
 *
 * With no configuration it runs the story of world.ts and prints what happened; with
 * DISCORD_TOKEN it runs discord.ts, which waits for /play in your guild.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runOnDiscord } from './discord.js';
import { createProgress } from './progress.js';
import { formatSummary } from './summary.js';
import { runDemoWorld } from './world.js';

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const json = process.argv.includes('--json');
  const outArg = argValue('--out');
  const out = outArg ? resolve(outArg) : mkdtempSync(join(tmpdir(), 'cordwire-demo-'));
  mkdirSync(out, { recursive: true });

  const token = process.env.DISCORD_TOKEN;
  if (token) {
    await runOnDiscord({ token, guildId: process.env.GUILD_ID, out });
    return 0;
  }

  // With --json, stdout carries only the summary; progress goes to stderr.
  const progress = createProgress(json ? process.stderr : process.stdout);
  progress.line(`recordings go to ${out}`);
  const summary = await runDemoWorld(out, progress.phase);
  progress.done();
  if (json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(formatSummary(summary));
  return summary.ok ? 0 : 1;
}

function exit(code: number): void {
  process.exitCode = code;
  // Everything was closed; should a socket linger anyway, the demo still ends.
  setTimeout(() => process.exit(code), 1000).unref();
}

main().then(exit, (err: unknown) => {
  console.error(`[demo] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  exit(1);
});
