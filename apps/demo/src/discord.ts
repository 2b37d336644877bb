/**
 * The same demo bot on Discord: with DISCORD_TOKEN (and GUILD_ID, or the bot's first guild) it
 * logs in, registers /play, /record and /leave in that guild, and waits. Join a voice channel and
 * run /play. Ctrl+C leaves voice, flushes any recording and exits.
 */
import { fileURLToPath } from 'node:url';
import { DemoBot } from './bot.js';

export async function runOnDiscord(options: { token: string; guildId?: string; out: string }): Promise<void> {
  const bot = new DemoBot({
    token: options.token,
    song: fileURLToPath(new URL('../clips/music.opus', import.meta.url)),
    recordings: options.out,
  });
  bot.on('log', (line) => console.log(`[demo] ${line}`));
  bot.on('left', (_guild, recorded) => {
    for (const [id, path] of recorded?.files ?? []) console.log(`[demo] wrote ${path} (${id})`);
  });
  await bot.client.login();
  let guildId = options.guildId;
  // Guilds arrive as GUILD_CREATE right after READY.
  for (let i = 0; !guildId && i < 100; i++) {
    guildId = bot.client.cache.guilds().next().value?.id;
    if (!guildId) await new Promise((r) => setTimeout(r, 50));
  }
  if (!guildId) throw new Error('the bot is in no guild; invite it, or set GUILD_ID');
  await bot.client.registerCommands({ guildId });
  const name = bot.client.cache.guild(guildId)?.name ?? guildId;
  console.log(
    `[demo] logged in as ${bot.client.cache.user?.username}; /play, /record and /leave are registered in ${name}`,
  );
  console.log(
    `[demo] join a voice channel there and run /play; recordings go to ${options.out}; Ctrl+C to stop`,
  );
  await new Promise<void>((resolve) => bot.client.once('shutdown', () => resolve()));
}
