import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { RawClient } from './gatewayClient.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGTERM');
});

function run(args: string[]): {
  output: () => string;
  line: (re: RegExp) => Promise<RegExpMatchArray>;
  exit: Promise<number | null>;
} {
  child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer) => {
    output += d.toString();
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exit = new Promise<number | null>((resolve) =>
    child!.once('exit', (code) => {
      for (const w of waiters.splice(0)) w();
      resolve(code);
    }),
  );
  const line = async (re: RegExp) => {
    for (;;) {
      const m = re.exec(output);
      if (m) return m;
      if (child!.exitCode !== null) throw new Error(`cli exited: ${output}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { output: () => output, line, exit };
}

test('the CLI serves a seed file, prints URLs and only the start of the token, and runs a script', async () => {
  const token = 'cli-test-token-0123456789';
  const p = run([
    '--port',
    '0',
    '--seed',
    fixture('seed.json'),
    '--token',
    token,
    '--script',
    fixture('fault-script.json'),
    '--heartbeat-interval',
    '1000',
  ]);
  const [, gatewayUrl] = await p.line(/gateway\s+(ws:\/\/127\.0\.0\.1:\d+)/);
  const [, restUrl] = await p.line(/REST\s+(http:\/\/\S+)/);
  await p.line(/token\s+cli-te…/);
  const bot = await (
    await fetch(`${restUrl}/users/@me`, { headers: { authorization: `Bot ${token}` } })
  ).json();
  expect(bot).toMatchObject({ id: '2000000000000000001', username: 'seeded-bot' });
  const c = await RawClient.connect(gatewayUrl!);
  await c.ready(token);
  const guild = await c.waitDispatch('GUILD_CREATE');
  expect(guild.d.name).toBe('seeded guild');
  c.terminate();
  expect(p.output()).not.toContain(token);
  child!.kill('SIGTERM');
  expect(await p.exit).toBe(0);
});

test('the CLI refuses a bad seed with a readable error and exit code 2', async () => {
  const p = run(['--seed', fixture('fault-script.json')]);
  expect(await p.exit).toBe(2);
  expect(p.output()).toContain('seed $: expected an object');
});

test('--zstd-framing single-frame makes the connection one zstd frame; a bad value is refused', async () => {
  const { main } = await import('../src/cli.js');
  await expect(main(['--zstd-framing', 'both'], () => {})).rejects.toMatchObject({
    code: 'EMULATOR_BAD_OPTION',
  });
  const emu = await main(['--zstd-framing', 'single-frame', '--max-connections', '5'], () => {});
  try {
    const c = await RawClient.connect(emu.gatewayUrl, { query: 'v=10&encoding=json&compress=zstd-stream' });
    await c.ready(emu.token);
    // Only HELLO starts a frame; READY continues it.
    expect(c.rawFrames[0]!.subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    expect(c.rawFrames[1]!.subarray(0, 4)).not.toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    expect(emu.control.endZstdFrame()).toBe(1);
    c.terminate();
  } finally {
    await emu.close();
  }
});

test('--scenario runs the users and timeline of a file; the world it leaves is served over REST and the gateway', async () => {
  const out: string[] = [];
  const { main } = await import('../src/cli.js');
  const emu = await main(['--scenario', fixture('scenario.json')], (line) => out.push(line));
  try {
    const deadline = Date.now() + 10_000;
    while (!out.includes('scenario finished') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(out).toContain('scenario finished');
    expect(out.filter((l) => l.startsWith('scenario +')).map((l) => l.replace(/\+\d+ms /, ''))).toEqual([
      'scenario alice say',
      'scenario carol joinGuild',
      'scenario carol say',
      'scenario alice status',
    ]);
    const res = await fetch(`${emu.restUrl}/channels/1300000000000000101/messages?limit=10`, {
      headers: { authorization: `Bot ${emu.token}` },
    });
    const messages = (await res.json()) as Array<{ content: string; author: { username: string } }>;
    expect(messages.map((m) => `${m.author.username}: ${m.content}`)).toEqual([
      'carol: carol here',
      'alice: hello from the scenario',
    ]);
    const c = await RawClient.connect(emu.gatewayUrl);
    await c.ready(emu.token, { intents: 1 | (1 << 1) | (1 << 8) });
    const guild = await c.waitDispatch('GUILD_CREATE');
    expect(guild.d.members.map((m: { user: { username: string } }) => m.user.username)).toContain('carol');
    const alice = guild.d.presences.find(
      (p: { user: { id: string } }) => p.user.id === '1300000000000000010',
    );
    expect(alice.status).toBe('idle');
    c.terminate();
  } finally {
    await emu.close();
  }
});

test('--scenario with voice: users join with DAVE, one speaks a tone, "heard" prints and records what the other heard', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordwire-cli-'));
  const VOICE = '1300000000000000102';
  writeFileSync(
    join(dir, 'call.json'),
    JSON.stringify({
      users: [{ username: 'alice' }, { username: 'bob' }],
      timeline: [
        { at: 0, user: 'alice', do: 'joinVoice', channel: VOICE },
        { at: 0, user: 'bob', do: 'joinVoice', channel: VOICE },
        { at: 10, user: 'alice', do: 'speak', tone: 523, seconds: 1 },
        { at: 20, user: 'bob', do: 'heard', from: 'alice', tone: 523, minMs: 800, record: 'bob-heard.opus' },
      ],
    }),
  );
  const out: string[] = [];
  const { main } = await import('../src/cli.js');
  const emu = await main(['--scenario', join(dir, 'call.json')], (line) => out.push(line));
  try {
    const deadline = Date.now() + 20_000;
    while (!out.some((l) => l.startsWith('scenario f')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(out).toContain('scenario finished');
    // Discord's default: the channel requires E2EE, and both members are in its DAVE group.
    expect(emu.voice?.control.e2ee('1300000000000000100', VOICE)).toBe('required');
    const heard = out.find((l) => / bob heard /.test(l));
    expect(heard).toBeDefined();
    expect(heard).not.toMatch(/failed/);
    const summary = JSON.parse(heard!.slice(heard!.indexOf('{'))) as {
      dominantFrequency: number;
      toneMs: number;
    };
    expect(Math.abs(summary.dominantFrequency - 523)).toBeLessThan(10);
    expect(summary.toneMs).toBeGreaterThanOrEqual(800);
    expect(existsSync(join(dir, 'bob-heard.opus'))).toBe(true);
  } finally {
    await emu.close();
  }
});

test('a malformed scenario file is refused before the emulator starts, naming the field', async () => {
  const p = run(['--scenario', fixture('seed.json')]);
  expect(await p.exit).toBe(2);
  expect(p.output()).toMatch(/scenario \S+: /);
});
