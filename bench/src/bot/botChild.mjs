// Child-process entry (forked by the bot suite): one bot, of one library, in a fresh process,
// logged into the emulator that stays in the parent. Plain JavaScript run by plain node on the
// packages' built dist/, the way a bot author runs it: no TypeScript loader in the timings. One
// request over IPC:
//   { type: 'firstFrame', restUrl, token, caPem, guildId, userId }
//     → { type: 'firstFrame', importMs, loginMs, joinMs, e2eeMs, firstFrameMs, encrypted, privacyCode }
//   (every time in ms since this process started, performance.timeOrigin: the bot logs in, finds
//   the user's voice channel in its cache, joins it with DAVE, waits for the E2EE group as a bot
//   must before listeners can decrypt it, and plays a tone; firstFrameMs is when the player handed
//   its first frame to the connection, `encrypted` the DAVE-encrypted frames sent 100 ms later)
//   { type: 'memory', side: 'ours' | 'anchor', restUrl, apiUrl, token, guilds }
//     → { type: 'memory', heap, external } (KiB growth from the imported library to the
//   logged-in bot holding `guilds` guilds, after a full GC)
import { performance } from 'node:perf_hooks';

const send = (message) => process.send?.(message);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition, timeoutMs, what) {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(1);
  }
}

function gc() {
  globalThis.gc?.();
  globalThis.gc?.();
}

/** One second of a 440 Hz tone, 48 kHz stereo s16. */
function tone() {
  const pcm = new Int16Array(2 * 48_000);
  for (let i = 0; i < pcm.length; i++) pcm[i] = 8000 * Math.sin((2 * Math.PI * 440 * (i >> 1)) / 48_000);
  return new Uint8Array(pcm.buffer);
}

async function firstFrame(request) {
  const { createClient } = await import('@cordwire/bot');
  const importMs = performance.now();
  const client = createClient({
    token: request.token,
    apiUrl: request.restUrl,
    intents: ['GUILDS', 'GUILD_VOICE_STATES'],
    handleSignals: false,
    voice: { ca: request.caPem },
  });
  await client.login();
  const loginMs = performance.now();
  // The user's voice state arrives in GUILD_CREATE, right after READY.
  await waitFor(
    () => client.cache.voiceState(request.guildId, request.userId)?.channel_id,
    10_000,
    'the user',
  );
  const channelId = client.cache.voiceState(request.guildId, request.userId).channel_id;
  const call = await client.voice.join(request.guildId, channelId, { selfDeaf: true });
  const joinMs = performance.now();
  if (call.connection.daveProtocolVersion > 0 && call.privacyCode === '')
    await new Promise((resolve) => call.once('privacyCode', resolve));
  const e2eeMs = performance.now();
  let firstFrameMs = 0;
  call.player.on('stateChange', (_from, to) => {
    if (to === 'playing' && firstFrameMs === 0) firstFrameMs = performance.now();
  });
  call.player.play(tone(), { type: 'pcm' });
  await waitFor(() => firstFrameMs > 0, 10_000, 'the first frame');
  await sleep(100);
  const encrypted = call.connection.daveStats?.encrypted ?? 0;
  send({
    type: 'firstFrame',
    importMs,
    loginMs,
    joinMs,
    e2eeMs,
    firstFrameMs,
    encrypted,
    privacyCode: call.privacyCode,
    botId: client.cache.user?.id,
  });
  // The parent checks what the user heard, then ends this process.
}

async function memory(request) {
  let login;
  let count;
  if (request.side === 'ours') {
    const { createClient } = await import('@cordwire/bot');
    login = async () => {
      const client = createClient({
        token: request.token,
        apiUrl: request.restUrl,
        intents: ['GUILDS', 'GUILD_VOICE_STATES'],
        handleSignals: false,
      });
      await client.login();
      count = () => [...client.cache.guilds()].length;
      return client;
    };
  } else {
    const { Client, GatewayIntentBits } = await import('discord.js');
    login = async () => {
      const client = new Client({
        intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
        rest: { api: request.apiUrl },
      });
      const ready = new Promise((resolve) => client.once('clientReady', resolve));
      await client.login(request.token);
      await ready;
      count = () => client.guilds.cache.size;
      return client;
    };
  }
  gc();
  const before = process.memoryUsage();
  const client = await login();
  await waitFor(() => count() === request.guilds, 30_000, `${request.guilds} guilds`);
  await sleep(500);
  gc();
  const after = process.memoryUsage();
  send({
    type: 'memory',
    heap: (after.heapUsed - before.heapUsed) / 1024,
    external: (after.external - before.external) / 1024,
    held: client ? count() : 0,
  });
}

process.on('message', (request) => {
  const run = request.type === 'firstFrame' ? firstFrame : memory;
  run(request).catch((e) => send({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
});
send({ type: 'started' });
