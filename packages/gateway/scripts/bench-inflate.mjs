// Measures the zlib-stream and zstd-stream decoders (CPU per message, median of 7 rounds) against
// node:zlib's async stream (what @discordjs/ws ZlibNative does) and inflateRawSync with the window
// as a preset dictionary. Run from packages/gateway: pnpm exec tsx scripts/bench-inflate.mjs
// (StreamInflater is internal, so this reads src/; the published build bundles it into dist/index.js).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { InboundDecoder } from '../src/index.ts';
import { StreamInflater } from '../src/inflate.ts';

const N = 20000;
const msgs = [];
for (let i = 0; i < N; i++) {
  msgs.push(
    Buffer.from(
      JSON.stringify({
        op: 0,
        s: i,
        t: 'MESSAGE_CREATE',
        d: {
          id: String(1234567890123456789n + BigInt(i)),
          content: `hello world ${i}`.repeat(1 + (i % 5)),
          author: { id: '111111111111111111', username: `user${i % 50}` },
          channel_id: '222222222222222222',
          mentions: [],
          embeds: [],
        },
      }),
    ),
  );
}
const deflate = zlib.createDeflate();
const frames = [];
let cur = [];
deflate.on('data', (c) => cur.push(c));
for (const m of msgs) {
  await new Promise((r) => {
    deflate.write(m);
    deflate.flush(zlib.constants.Z_SYNC_FLUSH, r);
  });
  frames.push(Buffer.concat(cur));
  cur = [];
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const cpu = async (fn, count) => {
  const c = process.cpuUsage();
  await fn();
  const u = process.cpuUsage(c);
  return (u.user + u.system) / count;
};

const ours = () => {
  const d = new InboundDecoder({
    encoding: 'json',
    transportCompression: 'zlib-stream',
    maxFrameBytes: 1 << 24,
  });
  for (const f of frames) d.decode(f);
};
const asyncStream = async () => {
  const inf = zlib.createInflate();
  const chunks = [];
  inf.on('data', (c) => chunks.push(c));
  for (const f of frames) {
    await new Promise((r) => inf.write(f, () => inf.flush(zlib.constants.Z_SYNC_FLUSH, r)));
    JSON.parse(Buffer.concat(chunks.splice(0)).toString());
  }
};
const presetDictionary = () => {
  let win = Buffer.alloc(0);
  for (let i = 0; i < frames.length; i++) {
    const out = zlib.inflateRawSync(i === 0 ? frames[i].subarray(2) : frames[i], {
      dictionary: win.length ? win : undefined,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    win = Buffer.concat([win, out]).subarray(-32768);
    JSON.parse(out.toString());
  }
};
// Inflate alone (no JSON.parse), small messages and large ones (GUILD_CREATE-sized, ~100 KiB).
const big = [];
for (let i = 0; i < 200; i++) {
  big.push(
    Buffer.from(
      JSON.stringify({
        op: 0,
        s: i,
        t: 'GUILD_CREATE',
        d: {
          members: Array.from({ length: 600 }, (_, k) => ({
            user: { id: String(1e17 + k * 7919 + i), username: `member${k}` },
            roles: [String(k % 13)],
          })),
        },
      }),
    ),
  );
}
const bigFrames = [];
{
  const d = zlib.createDeflate();
  let parts = [];
  d.on('data', (c) => parts.push(c));
  for (const m of big) {
    await new Promise((r) => {
      d.write(m);
      d.flush(zlib.constants.Z_SYNC_FLUSH, r);
    });
    bigFrames.push(Buffer.concat(parts));
    parts = [];
  }
}
const inflateOnly = (fs) => () => {
  const inf = new StreamInflater();
  inf.inflate(fs[0].subarray(2), 1 << 24);
  for (let i = 1; i < fs.length; i++) inf.inflate(fs[i], 1 << 24);
};
const rows = {
  'inflate alone, small messages (StreamInflater)': [],
  'inflate alone, ~100 KiB messages (StreamInflater)': [],
  'zlib-stream, ours (pure TS, sync, stateful)': [],
  'zlib-stream, node:zlib async stream': [],
  'zlib-stream, inflateRawSync + preset dictionary': [],
};
for (let round = 0; round < 7; round++) {
  rows['inflate alone, small messages (StreamInflater)'].push(await cpu(inflateOnly(frames), N));
  rows['inflate alone, ~100 KiB messages (StreamInflater)'].push(
    await cpu(inflateOnly(bigFrames), big.length),
  );
  rows['zlib-stream, ours (pure TS, sync, stateful)'].push(await cpu(ours, N));
  rows['zlib-stream, node:zlib async stream'].push(await cpu(asyncStream, N));
  rows['zlib-stream, inflateRawSync + preset dictionary'].push(await cpu(presetDictionary, N));
}

// zstd-stream: a frame per message, as the emulator sends (needs the zstd CLI).
try {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-zstd-'));
  const M = 5000;
  for (let i = 0; i < M; i++) fs.writeFileSync(path.join(dir, String(i)), msgs[i]);
  execFileSync('sh', ['-c', `cd ${dir} && zstd -q -f -3 [0-9]* 2>/dev/null`]);
  const zf = Array.from({ length: M }, (_, i) => new Uint8Array(fs.readFileSync(path.join(dir, `${i}.zst`))));
  fs.rmSync(dir, { recursive: true });
  rows['zstd-stream, ours (fzstd Decompress)'] = [];
  for (let round = 0; round < 7; round++) {
    rows['zstd-stream, ours (fzstd Decompress)'].push(
      await cpu(() => {
        const d = new InboundDecoder({
          encoding: 'json',
          transportCompression: 'zstd-stream',
          maxFrameBytes: 1 << 24,
        });
        for (const f of zf) d.decode(f);
      }, M),
    );
  }
} catch {
  console.log('(zstd CLI not found: zstd row skipped)');
}
rows['JSON.parse alone'] = [
  await cpu(() => {
    for (const m of msgs) JSON.parse(m.toString());
  }, N),
];
console.log(`node ${process.version}, ${os.cpus()[0].model}, load ${os.loadavg()[0].toFixed(1)}`);
for (const [name, v] of Object.entries(rows))
  console.log(`${name.padEnd(50)} ${median(v).toFixed(1)} us CPU/msg`);
