/**
 * Suite: @cordwire/audio. Opus encode and decode frames/s for each codec choice available here,
 * and CPU per playing voice connection, ours (AudioPlayer) against @discordjs/voice's AudioPlayer
 * with the same input on the same emulator voice server: Ogg Opus passthrough and PCM through
 * the encoder. Each library plays in its own child process; CPU is that process's user + system
 * time while playing, divided by connections (ms of CPU per second = tenths of a % of a core).
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { OggOpusMuxer, OpusDecoder, OpusEncoder, opusBackend } from '@cordwire/audio';
import { interleaveRecords, spread } from '../harness.js';
import { allocateMembers, loadVoiceServer, type VoiceServerLike } from '../ours/emulatorVoice.js';
import type { Row } from '../report.js';
import { notMeasuredRow, type Suite, type SuiteContext } from '../suite.js';

/** 48 kHz stereo s16 PCM: a tone with a little noise, so the encoder does real work. */
function music(seconds: number): Int16Array {
  const frames = seconds * 48_000;
  const out = new Int16Array(frames * 2);
  let seed = 1;
  for (let i = 0; i < frames; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const v = Math.sin((2 * Math.PI * 440 * i) / 48_000) * 12_000 + (seed / 2 ** 32 - 0.5) * 2000;
    out[i * 2] = v;
    out[i * 2 + 1] = v;
  }
  return out;
}

type CodecPair = { encode(pcm: Int16Array): Uint8Array; decode(packet: Uint8Array): void; destroy(): void };

function ourCodec(): CodecPair {
  const encoder = new OpusEncoder({ backend: 'wasm' });
  const decoder = new OpusDecoder({ backend: 'wasm' });
  return {
    encode: (pcm) => encoder.encodeFrame(pcm),
    decode: (packet) => void decoder.decode(packet),
    destroy: () => {
      encoder.destroy();
      decoder.destroy();
    },
  };
}

/** opusscript, what @discordjs/voice's prism-media falls back to without a native binding. */
function opusscriptCodec(): CodecPair {
  const require = createRequire(import.meta.url);
  const OpusScript = require('opusscript') as {
    new (
      rate: number,
      channels: number,
      application: number,
    ): {
      encode(pcm: Buffer, frameSize: number): Buffer;
      decode(packet: Buffer): Buffer;
      encoderCTL(ctl: number, value: number): void;
      delete(): void;
    };
  };
  const encoder = new OpusScript(48_000, 2, 2049);
  const decoder = new OpusScript(48_000, 2, 2049);
  // The same encoder settings as ours: 64 kbit/s, in-band FEC, 5 % expected loss.
  encoder.encoderCTL(4002, 64_000);
  encoder.encoderCTL(4012, 1);
  encoder.encoderCTL(4014, 5);
  return {
    encode: (pcm) => encoder.encode(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), 960),
    decode: (packet) => void decoder.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength)),
    destroy: () => {
      encoder.delete();
      decoder.delete();
    },
  };
}

async function codecRows(ctx: SuiteContext): Promise<Row[]> {
  const pcm = music(10);
  const frames = pcm.length / 1920;
  const round = (make: () => CodecPair) => async () => {
    const codec = make();
    let start = performance.now();
    const packets: Uint8Array[] = [];
    for (let i = 0; i < frames; i++) packets.push(codec.encode(pcm.subarray(i * 1920, (i + 1) * 1920)));
    const encode = (frames * 1000) / (performance.now() - start);
    start = performance.now();
    for (const p of packets) codec.decode(p);
    const decode = (frames * 1000) / (performance.now() - start);
    codec.destroy();
    return { encode, decode };
  };
  const result = await interleaveRecords(round(ourCodec), round(opusscriptCodec), ctx.rounds);
  const rows: Row[] = (['encode', 'decode'] as const).map((op) => ({
    suite: 'audio',
    metric: `Opus ${op}, 20 ms stereo at 64 kbit/s, libopus WASM (default)`,
    unit: 'frames/s',
    better: 'higher' as const,
    ours: result[op].ours,
    anchor: result[op].anchor,
    anchorName: 'opusscript 0.1.1 (WASM; prism-media fallback of @discordjs/voice)',
    notes: `${frames} frames per round, one encoder and decoder per side, FEC on both; a playing connection needs 50 frames/s`,
  }));
  let native = 'not installed';
  try {
    native = opusBackend('native').name;
  } catch {}
  if (native === 'not installed') {
    rows.push(
      notMeasuredRow(
        'audio',
        'Opus encode/decode, @discordjs/opus (native)',
        'optional native binding not installed here (its install needs a prebuilt download or a C toolchain)',
      ),
    );
  }
  return rows;
}

function inputs(dir: string): { ogg: string; pcm: string } {
  const pcm = music(5);
  const encoder = new OpusEncoder({ backend: 'wasm' });
  const muxer = new OggOpusMuxer({ preSkip: 312 });
  const pages: Uint8Array[] = [];
  for (const packet of [...encoder.encode(pcm), ...encoder.flush()]) pages.push(...muxer.write(packet));
  pages.push(...muxer.end());
  encoder.destroy();
  const ogg = join(dir, 'music.opus');
  const raw = join(dir, 'music.pcm');
  writeFileSync(ogg, Buffer.concat(pages));
  writeFileSync(raw, new Uint8Array(pcm.buffer));
  return { ogg, pcm: raw };
}

function playClients(
  server: VoiceServerLike,
  request: Record<string, unknown>,
  timeoutMs: number,
): Promise<{ cpuMsPerSecond: number; packetsPerSecond: number }> {
  const child = fork(fileURLToPath(new URL('../audio/playClients.ts', import.meta.url)), [], {
    execArgv: ['--conditions=cordwire-source', '--import', 'tsx'],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: server.caPath },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise<{ cpuMsPerSecond: number; packetsPerSecond: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`audio play clients gave no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on(
      'message',
      (m: { type: string; message?: string; cpuMsPerSecond?: number; packetsPerSecond?: number }) => {
        if (m.type === 'started') child.send(request);
        else if (m.type === 'play') {
          clearTimeout(timer);
          resolve({ cpuMsPerSecond: m.cpuMsPerSecond!, packetsPerSecond: m.packetsPerSecond! });
        } else if (m.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`audio play clients: ${m.message}`));
        }
      },
    );
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`audio play clients exited with code ${code}`));
    });
  });
}

async function playRows(ctx: SuiteContext): Promise<Row[]> {
  const startVoiceServer = await loadVoiceServer();
  if (typeof startVoiceServer === 'string') {
    return [notMeasuredRow('audio', 'CPU per playing connection', startVoiceServer)];
  }
  const dir = mkdtempSync(join(tmpdir(), 'cordwire-bench-audio-'));
  const server = await startVoiceServer({ requireE2EE: false, daveProtocolVersion: 0 });
  try {
    const files = inputs(dir);
    const connections = ctx.quick ? 3 : 10;
    const seconds = ctx.quick ? 3 : 8;
    const rows: Row[] = [];
    for (const mode of ['passthrough', 'pcm'] as const) {
      const side = (which: 'ours' | 'anchor') => async () => {
        const members = allocateMembers(server, connections, { sameUser: true, perChannel: 1 });
        const result = await playClients(
          server,
          {
            type: 'play',
            side: which,
            mode,
            members,
            caPem: server.caPem,
            input: mode === 'pcm' ? files.pcm : files.ogg,
            seconds,
          },
          60_000 + seconds * 1000,
        );
        return { cpu: result.cpuMsPerSecond, pace: result.packetsPerSecond };
      };
      ctx.log(`audio: ${mode}, ${connections} playing connections per side for ${seconds} s`);
      const result = await interleaveRecords(side('ours'), side('anchor'), ctx.quick ? 1 : 3);
      rows.push({
        suite: 'audio',
        metric:
          mode === 'passthrough'
            ? `CPU per playing connection, Ogg Opus passthrough (${connections} connections)`
            : `CPU per playing connection, PCM through the Opus encoder (${connections} connections)`,
        unit: 'ms CPU/s',
        better: 'lower',
        ours: result.cpu.ours,
        anchor: result.cpu.anchor,
        anchorName: `@discordjs/voice AudioPlayer (StreamType.${mode === 'pcm' ? 'Raw' : 'OggOpus'})`,
        ...(mode === 'passthrough' ? { target: { kind: 'ratio', min: 2 } as const } : {}),
        notes: `same 5 s input looped, same emulator voice server (wss + UDP, no DAVE); packets/s per connection ours ${result.pace.ours.median.toFixed(1)}, anchor ${result.pace.anchor.median.toFixed(1)}; whole child process CPU / connections`,
      });
    }
    // The transport's own cost: the same connections sending a fixed frame, no player at all.
    const floor: number[] = [];
    for (let r = 0; r < (ctx.quick ? 1 : 3); r++) {
      const members = allocateMembers(server, connections, { sameUser: true, perChannel: 1 });
      const result = await playClients(
        server,
        {
          type: 'play',
          side: 'ours',
          mode: 'floor',
          members,
          caPem: server.caPem,
          input: files.ogg,
          seconds,
        },
        60_000 + seconds * 1000,
      );
      floor.push(result.cpuMsPerSecond);
    }
    rows.push({
      suite: 'audio',
      metric: `CPU per connection sending a fixed frame, no player (${connections} connections)`,
      unit: 'ms CPU/s',
      better: 'lower',
      ours: spread(floor),
      notes:
        '@cordwire/voice-ws + voice-udp alone: the floor under the passthrough row; what passthrough costs above it is the player',
    });
    return rows;
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const audioSuite: Suite = {
  name: 'audio',
  async run(ctx) {
    const rows = await codecRows(ctx);
    try {
      rows.push(...(await playRows(ctx)));
    } catch (error) {
      rows.push(notMeasuredRow('audio', 'CPU per playing connection', (error as Error).message));
    }
    return rows;
  },
};
