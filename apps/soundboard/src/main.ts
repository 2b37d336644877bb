/**
 * The soundboard bot.
 *
 *   pnpm --filter @cordwire/soundboard start               # the embedded emulator: no token, no network
 *   DISCORD_TOKEN=... GUILD_ID=... pnpm --filter @cordwire/soundboard start   # on Discord
 *
 * With DISCORD_TOKEN it logs in, registers /sound, /sounds and /stop in GUILD_ID (or the bot's
 * first guild) and waits; Ctrl+C leaves voice and exits. Without it, emulator.ts runs a short
 * story in a local Discord and prints what the listener heard.
 */
import { Soundboard } from './bot.js';
import { runInEmulator } from './emulator.js';
import { loadSounds } from './sounds.js';

async function runOnDiscord(token: string, guildId: string | undefined): Promise<void> {
  const board = new Soundboard({ token, sounds: loadSounds() });
  board.on('log', (line) => console.log(`[soundboard] ${line}`));
  await board.client.login();
  // Guilds arrive as GUILD_CREATE right after READY.
  for (let i = 0; !guildId && i < 100; i++) {
    guildId = board.client.cache.guilds().next().value?.id;
    if (!guildId) await new Promise((r) => setTimeout(r, 50));
  }
  if (!guildId) throw new Error('the bot is in no guild; invite it, or set GUILD_ID');
  await board.client.registerCommands({ guildId });
  const name = board.client.cache.guild(guildId)?.name ?? guildId;
  console.log(
    `[soundboard] logged in as ${board.client.cache.user?.username}; /sound, /sounds and /stop are registered in ${name}`,
  );
  console.log('[soundboard] join a voice channel there and run /sound; Ctrl+C to stop');
  await new Promise<void>((resolve) => board.client.once('shutdown', () => resolve()));
}

async function main(): Promise<number> {
  const token = process.env.DISCORD_TOKEN;
  if (token) {
    await runOnDiscord(token, process.env.GUILD_ID);
    return 0;
  }
  return (await runInEmulator((line) => console.log(`[soundboard] ${line}`))) ? 0 : 1;
}

function exit(code: number): void {
  process.exitCode = code;
  // Everything was closed; should a socket linger anyway, the process still ends.
  setTimeout(() => process.exit(code), 1000).unref();
}

main().then(exit, (err: unknown) => {
  console.error(`[soundboard] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  exit(1);
});
