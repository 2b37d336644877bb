import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DaveMember, poll, type VoiceEndpoint } from './helpers/daveMember.js';

const GUILD = '1400000000000000001';
const CHANNEL = '1400000000000000004';
const fixture = fileURLToPath(new URL('./fixtures/voiceServerProcess.ts', import.meta.url));

let child: ChildProcess;
let endpoint: VoiceEndpoint;
const replies = new Map<number, (msg: Record<string, unknown>) => void>();
let nextId = 1;
const members: DaveMember[] = [];

function ask<T>(msg: Record<string, unknown>): Promise<T> {
  const id = nextId++;
  return new Promise((resolve) => {
    replies.set(id, (reply) => resolve(reply as T));
    child.send({ ...msg, id });
  });
}

/** Reads every readable mapping of a process we started and tells whether `needle` occurs in it. */
function processMemoryHolds(pid: number, needle: Buffer): boolean {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n');
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const line of maps) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) r/.exec(line);
      if (!m) continue;
      const start = Number.parseInt(m[1]!, 16);
      const size = Number.parseInt(m[2]!, 16) - start;
      // Reserved-but-unbacked V8 ranges are huge and unreadable; the heap lives in smaller chunks.
      if (size > 256 * 1024 * 1024) continue;
      const chunk = Buffer.alloc(size);
      try {
        readSync(fd, chunk, 0, size, start);
      } catch {
        continue;
      }
      if (chunk.indexOf(needle) >= 0) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

beforeAll(async () => {
  child = fork(fixture, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ plainEndpoint: string; udpPort: number }>((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (msg: Record<string, unknown>) => {
      if (msg.type === 'ready') resolve(msg as never);
      else replies.get(msg.id as number)?.(msg);
    });
  });
  endpoint = {
    plainEndpoint: ready.plainEndpoint,
    udpPort: ready.udpPort,
    allocate: (req) => ask<{ token: string }>({ type: 'allocate', req }),
  };
}, 30_000);

afterAll(async () => {
  for (const m of members) m.close();
  child.disconnect();
  await new Promise((r) => child.once('exit', r));
});

it('the SFU relays DAVE frames it cannot read: no media key, no plaintext anywhere in its memory', async () => {
  const a = await DaveMember.join(endpoint, {
    guildId: GUILD,
    channelId: CHANNEL,
    userId: '1500000000000000201',
    kind: 'ours',
  });
  const b = await DaveMember.join(endpoint, {
    guildId: GUILD,
    channelId: CHANNEL,
    userId: '1500000000000000202',
    kind: 'davey',
  });
  members.push(a, b);
  await poll(
    () =>
      a.executed.length > 0 &&
      b.executed.length > 0 &&
      a.impl!.privacyCode() !== '' &&
      a.impl!.privacyCode() === b.impl!.privacyCode(),
    'a and b in one group, transition executed',
  );
  // Opus frames carrying a marker only the two members ever see in the clear.
  const marker = randomBytes(24);
  const frame = (i: number) => Buffer.concat([Uint8Array.of(0xfc), marker, Uint8Array.of(i & 0xff)]);
  const deadline = Date.now() + 8000;
  let sent = 0;
  while ((b.received.get(a.userId)?.length ?? 0) < 20) {
    if (Date.now() > deadline) throw new Error(`b decrypted ${b.received.get(a.userId)?.length ?? 0} frames`);
    a.sendOpus(frame(sent++));
    await new Promise((r) => setTimeout(r, 5));
  }
  const got = b.received.get(a.userId)!;
  for (const f of got) expect(Buffer.from(f).subarray(1, 25).equals(marker)).toBe(true);

  // What the relay itself saw after transport decryption: DAVE frames, never the Opus plaintext.
  const { payloads } = await ask<{ payloads: string[] }>({ type: 'relayed' });
  expect(payloads.length).toBeGreaterThanOrEqual(got.length);
  for (const hex of payloads) {
    const p = Buffer.from(hex, 'hex');
    expect(p.subarray(-2).toString('hex')).toBe('fafa');
    expect(p.indexOf(marker)).toBe(-1);
  }

  // The scan finds what the server does hold (the control) and not the plaintext marker.
  const canary = randomBytes(24);
  await ask({ type: 'canary', hex: canary.toString('hex') });
  expect(processMemoryHolds(child.pid!, canary)).toBe(true);
  expect(processMemoryHolds(child.pid!, marker)).toBe(false);
}, 30_000);
