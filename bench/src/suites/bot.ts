/**
 * Suite `bot`: @cordwire/bot as a bot author runs it, each bot in a fresh child process on the
 * packages' built dist/ (src/bot/botChild.mjs), logged into an @cordwire/emulator world in this
 * process over 127.0.0.1.
 *
 * - Time to the first audio frame: a simulated user already sits in a voice channel that
 *   requires E2EE (DAVE); the bot process starts, logs in, finds her channel in its cache, joins,
 *   waits for the E2EE group and plays. Ms from the process's start to the first frame handed
 *   to the connection; the user must then have heard the bot, and the frames must have gone out
 *   DAVE-encrypted, or the round fails. Ours only (report only): a fresh world each round.
 * - Memory of a logged-in bot with 1 and 50 guilds: ours (`createClient`) against discord.js's
 *   `Client`, same intents (GUILDS, GUILD_VOICE_STATES), default caches, same emulator world,
 *   each bot in its own process; JS heap and external growth from the imported library to the
 *   bot holding every guild, after a full GC.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type EmulatorSeed, startEmulator } from '@cordwire/emulator';
import { interleaveRecords, repeat, spread, waitFor } from '../harness.js';
import type { Row } from '../report.js';
import { notMeasuredRow, type Suite, type SuiteContext } from '../suite.js';

const CHILD = fileURLToPath(new URL('../bot/botChild.mjs', import.meta.url));
const BOT_ID = '1600000000000000001';
const USERS = 10;

type Answer = Record<string, unknown> & { type: string; message?: string };

/** Forks one bot process, sends it `request` once it started, resolves with its answer. */
async function runBot<T extends Answer>(
  request: Record<string, unknown>,
  options: { caPath?: string; timeoutMs: number; check?: (answer: T) => Promise<void> },
): Promise<T> {
  const child: ChildProcess = fork(CHILD, [], {
    // Plain node on dist/: no TypeScript loader, no cordwire-source condition.
    execArgv: ['--expose-gc'],
    env: { ...process.env, ...(options.caPath ? { NODE_EXTRA_CA_CERTS: options.caPath } : {}) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const answer = await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bot process gave no ${request.type} in ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      child.on('message', (m: Answer) => {
        if (m.type === 'started') child.send(request);
        else if (m.type === request.type) {
          clearTimeout(timer);
          resolve(m as T);
        } else if (m.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`bot process: ${m.message}`));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`bot process exited with code ${code} before ${request.type}`));
      });
    });
    await options.check?.(answer);
    return answer;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/** Which built packages the child needs; a missing dist/ is a row that says so, not a number. */
function missingBuild(): string | undefined {
  const require = createRequire(CHILD);
  for (const pkg of ['@cordwire/bot', 'discord.js']) {
    try {
      require.resolve(pkg);
    } catch {
      return `${pkg} does not resolve from bench (run \`pnpm build\` first: the bot processes load dist/)`;
    }
  }
  return undefined;
}

const id = (base: bigint, n: number): string => (base + BigInt(n)).toString();

/** `guilds` guilds, each with #general, a voice channel (E2EE required) and the same USERS members. */
function world(guilds: number): EmulatorSeed {
  const users = Array.from({ length: USERS }, (_, i) => ({
    id: id(1600000000000000010n, i),
    username: `user${i}`,
  }));
  return {
    bot: { id: BOT_ID, username: 'bench-bot' },
    application: { id: BOT_ID, name: 'bench-bot' },
    users,
    guilds: Array.from({ length: guilds }, (_, g) => ({
      id: id(1600000000000100000n, g * 10),
      name: `guild ${g}`,
      ownerId: users[0]!.id,
      channels: [
        { id: id(1600000000000100001n, g * 10), name: 'general', type: 'text' as const },
        {
          id: id(1600000000000100002n, g * 10),
          name: 'voice',
          type: 'voice' as const,
          e2ee: 'required' as const,
        },
      ],
      members: users.map((u) => u.id),
    })),
  };
}

interface FirstFrame extends Answer {
  importMs: number;
  loginMs: number;
  joinMs: number;
  e2eeMs: number;
  firstFrameMs: number;
  encrypted: number;
  privacyCode: string;
  botId: string;
}

async function firstFrameRows(ctx: SuiteContext): Promise<Row[]> {
  const seed = world(1);
  const guild = seed.guilds![0]!;
  const voiceChannel = guild.channels![1]!.id;
  const alice = seed.users![0]!;
  const samples: FirstFrame[] = [];
  const round = async (): Promise<number> => {
    const emu = await startEmulator({ seed, voiceServer: true });
    try {
      const voice = emu.voice!;
      const user = emu.users.create({ id: alice.id, username: alice.username });
      await user.joinVoice(voiceChannel, { dave: true });
      const answer = await runBot<FirstFrame>(
        {
          type: 'firstFrame',
          restUrl: emu.restUrl,
          token: emu.token,
          caPem: voice.caPem,
          guildId: guild.id,
          userId: alice.id,
        },
        {
          caPath: voice.caPath,
          timeoutMs: 60_000,
          // Proof that the frames were real: DAVE-encrypted, and she decrypted some of them.
          check: async (a) => {
            if (!(a.encrypted > 0) || !/^\d{30}$/.test(a.privacyCode))
              throw new Error(`the bot sent ${a.encrypted} DAVE frames, privacy code "${a.privacyCode}"`);
            await waitFor(() => user.heard.frames(a.botId).length > 0, 5_000, 'the user to hear the bot');
          },
        },
      );
      samples.push(answer);
      return answer.firstFrameMs;
    } finally {
      await emu.close();
    }
  };
  ctx.log('bot: process start to first audio frame (E2EE), fresh world per round');
  const result = await repeat(round, ctx.rounds);
  // The warm-up round is the first sample; the phases' medians are over the recorded rounds.
  const recorded = samples.slice(-ctx.rounds);
  const phase = (k: keyof FirstFrame) => spread(recorded.map((s) => s[k] as number)).median.toFixed(0);
  return [
    {
      suite: 'bot',
      metric: 'process start to first audio frame sent, joining a user in an E2EE-required channel',
      unit: 'ms',
      better: 'lower',
      ours: result,
      notes:
        `ours: @cordwire/bot dist in a fresh node process (createClient, login, join the user's channel from the cache, wait for the DAVE group, play a PCM tone); ` +
        `medians since process start: library imported ${phase('importMs')} ms, logged in ${phase('loginMs')} ms, voice joined ${phase('joinMs')} ms, ` +
        `E2EE group formed ${phase('e2eeMs')} ms; the user heard the bot every round`,
    },
  ];
}

interface Memory extends Answer {
  heap: number;
  external: number;
}

async function memoryRows(ctx: SuiteContext, guilds: number): Promise<Row[]> {
  const emu = await startEmulator({ seed: world(guilds) });
  try {
    const side = (which: 'ours' | 'anchor') => async () => {
      const m = await runBot<Memory>(
        { type: 'memory', side: which, restUrl: emu.restUrl, apiUrl: emu.apiUrl, token: emu.token, guilds },
        { timeoutMs: 60_000 },
      );
      return { heap: m.heap, external: m.external };
    };
    ctx.log(`bot: memory of a logged-in bot with ${guilds} guild(s)`);
    const result = await interleaveRecords(side('ours'), side('anchor'), ctx.rounds);
    const base = {
      suite: 'bot',
      unit: 'KiB',
      better: 'lower' as const,
      anchorName: 'discord.js 14.28.1 Client',
    };
    const world = `${guilds} guild${guilds === 1 ? '' : 's'} of 2 channels and ${USERS + 1} members`;
    return [
      {
        ...base,
        metric: `JS heap of a logged-in bot, ${guilds} guild${guilds === 1 ? '' : 's'}`,
        ours: result.heap.ours,
        anchor: result.heap.anchor,
        notes: `ours: @cordwire/bot createClient; intents GUILDS + GUILD_VOICE_STATES, default caches, ${world}; each bot in its own process (dist); heapUsed growth from the imported library to every guild cached, after GC`,
      },
      {
        ...base,
        metric: `external buffers of a logged-in bot, ${guilds} guild${guilds === 1 ? '' : 's'}`,
        ours: result.external.ours,
        anchor: result.external.anchor,
        notes:
          'Buffers/ArrayBuffers outside the JS heap, growth after GC; both sides do REST through @discordjs/rest, whose undici client holds about 256 KiB of them after its first request (measured alone), the socket about 10 KiB',
      },
    ];
  } finally {
    await emu.close();
  }
}

export const botSuite: Suite = {
  name: 'bot',
  async run(ctx) {
    const missing = missingBuild();
    if (missing) return [notMeasuredRow('bot', 'first audio frame; memory per bot', missing)];
    const rows = await firstFrameRows(ctx);
    for (const guilds of [1, 50]) rows.push(...(await memoryRows(ctx, guilds)));
    return rows;
  },
};
