import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { goertzel, readOggOpus, rms } from '../src/signal.js';
import type { DemoSummary } from '../src/world.js';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const clips = JSON.parse(readFileSync(new URL('../clips/clips.json', import.meta.url), 'utf8')) as {
  music: { frequency: number };
  users: { username: string; frequency: number }[];
};

let out: string;
let run: ReturnType<typeof spawnSync>;
let summary: DemoSummary;

function tool(name: string): void {
  const probe = spawnSync(name, ['--version'], { encoding: 'utf8' });
  if (probe.error)
    throw new Error(`${name} is missing: install Debian's opus-tools (apt-get install opus-tools)`);
}

// The main job end to end, as `npm run demo -- --json --out DIR` runs it, E2EE required.
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'cordwire-demo-test-'));
  run = spawnSync(
    process.execPath,
    ['--conditions=cordwire-source', '--import', 'tsx', main, '--json', '--out', out],
    { encoding: 'utf8', timeout: 60_000 },
  );
  summary = JSON.parse(String(run.stdout)) as DemoSummary;
}, 70_000);

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

it('exits 0 with every check of its own passed, and prints progress on stderr', () => {
  expect(run.status).toBe(0);
  expect(summary.problems).toEqual([]);
  expect(summary.ok).toBe(true);
  expect(String(run.stderr)).toContain('/play');
  expect(String(run.stderr)).toContain('/leave');
});

it('ran with E2EE: DAVE v1 and a 30-digit voice privacy code; the bot holds every user’s real key', () => {
  expect(summary.e2ee.protocolVersion).toBe(1);
  expect(summary.e2ee.privacyCode).toMatch(/^\d{30}$/);
  expect(summary.users.map((u) => u.verificationCode)).toEqual(
    summary.users.map(() => expect.stringMatching(/^\d{45}$/)),
  );
  expect(summary.users.every((u) => u.verified)).toBe(true);
});

it('every user heard the song: seconds of it, at its pitch', () => {
  expect(summary.users.map((u) => u.username)).toEqual(clips.users.map((u) => u.username));
  for (const u of summary.users) {
    expect(u.heard.durationMs, u.username).toBeGreaterThanOrEqual(3000);
    expect(Math.abs(u.heard.dominantHz - clips.music.frequency), u.username).toBeLessThanOrEqual(8);
  }
});

it('the bot received and decrypted every frame each user sent', () => {
  for (const u of summary.users) {
    expect(u.framesSent, u.username).toBeGreaterThan(150);
    expect(u.framesReceivedByBot, u.username).toBe(u.framesSent);
    expect(u.framesDecryptedByBot, u.username).toBe(u.framesSent);
  }
});

it('wrote one Ogg Opus file per user and the mix, that opusinfo accepts and opusdec decodes', () => {
  tool('opusinfo');
  tool('opusdec');
  const files = summary.recordings.files;
  expect(files.map((f) => f.track).sort()).toEqual([...clips.users.map((u) => u.username), 'mix'].sort());
  for (const f of files) {
    expect(existsSync(f.path), f.path).toBe(true);
    const info = spawnSync('opusinfo', [f.path], { encoding: 'utf8' });
    expect(info.status, `${basename(f.path)}: ${info.stdout}${info.stderr}`).toBe(0);
    expect(`${info.stdout}${info.stderr}`).not.toMatch(/WARNING|ERROR/i);
    const wav = join(out, `${basename(f.path)}.wav`);
    const dec = spawnSync('opusdec', ['--quiet', f.path, wav], { encoding: 'utf8' });
    expect(dec.status, `${basename(f.path)}: ${dec.stderr}`).toBe(0);
    // 48 kHz stereo s16: at least 3 s of samples after the 44-byte header.
    expect(readFileSync(wav).length - 44).toBeGreaterThanOrEqual(3 * 48_000 * 4);
  }
});

it('each file is at least 3 s long and not silent', () => {
  expect(summary.recordings.files).toHaveLength(clips.users.length + 1);
  for (const f of summary.recordings.files) {
    const file = readOggOpus(f.path);
    expect(file.durationMs, f.track).toBeGreaterThanOrEqual(3000);
    expect(rms(file.pcm), f.track).toBeGreaterThan(0.05);
  }
});

it('the bot’s recording of each user carries that user’s clip, and neither the others’ nor the song', () => {
  for (const clip of clips.users) {
    const f = summary.recordings.files.find((x) => x.track === clip.username);
    expect(f, clip.username).toBeDefined();
    const pcm = readOggOpus(f?.path ?? '').pcm;
    const own = goertzel(pcm, clip.frequency);
    const others = [...clips.users.map((u) => u.frequency), clips.music.frequency].filter(
      (hz) => hz !== clip.frequency,
    );
    for (const other of others) {
      expect(own, `${clip.username}: ${clip.frequency} Hz against ${other} Hz`).toBeGreaterThan(
        5 * goertzel(pcm, other),
      );
    }
  }
});

it('the mix holds every user and the song is not in it (the bot does not record itself)', () => {
  const mix = summary.recordings.files.find((f) => f.track === 'mix');
  expect(mix).toBeDefined();
  const pcm = readOggOpus(mix?.path ?? '').pcm;
  const song = goertzel(pcm, clips.music.frequency);
  for (const u of clips.users) expect(goertzel(pcm, u.frequency), u.username).toBeGreaterThan(3 * song);
});
