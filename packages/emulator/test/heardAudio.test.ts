/**
 * The audio side of simulated users without a call: speak sources become 20 ms Opus frames, and
 * HeardAudio's pitch analysis tells tones apart. The calls themselves are in simulatedUsers.test.ts.
 */
import { OggOpusMuxer, OpusEncoder } from '@cordwire/audio';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { EmulatorError, HeardAudio } from '../src/index.js';
import { loadAudio } from '../src/users/audioModule.js';
import { speakFrames } from '../src/users/speakSource.js';

async function collect(frames: Iterable<Uint8Array> | AsyncIterable<Uint8Array> | (() => Uint8Array | null)) {
  const out: Uint8Array[] = [];
  if (typeof frames === 'function') throw new Error('not a pull source here');
  for await (const f of frames) out.push(f);
  return out;
}

function sine(hz: number[], seconds: number): Float32Array {
  const n = Math.round(48_000 * seconds);
  const pcm = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const f of hz) v += (0.4 / hz.length) * Math.sin((2 * Math.PI * f * i) / 48_000);
    pcm[2 * i] = v;
    pcm[2 * i + 1] = v;
  }
  return pcm;
}

async function heardOf(frames: Uint8Array[]): Promise<HeardAudio> {
  const audio = await loadAudio();
  return new HeardAudio('1', [{ ssrc: 1, userId: '1', frames, lost: 0 }], () => audio);
}

test('a tone source is 20 ms frames for its length, and what they decode to is that tone', async () => {
  const { frames, close } = await speakFrames({ tone: 440, seconds: 1 });
  const out = await collect(frames);
  close();
  expect(out).toHaveLength(50);
  const heard = await heardOf(out);
  expect(heard.durationMs).toBe(1000);
  expect(Math.abs(heard.dominantFrequency! - 440)).toBeLessThan(5);
  expect(heard.matchesTone(440)).toBe(true);
  expect(heard.matchesTone(470)).toBe(false);
  expect(heard.toneMs(440)).toBeGreaterThanOrEqual(960);
});

test('two tones at once match neither alone; tone then silence counts only the tone', async () => {
  const encoder = new OpusEncoder({ channels: 2 });
  const chord = await heardOf([...encoder.encode(sine([440, 660], 1)), ...encoder.flush()]);
  expect(chord.matchesTone(440)).toBe(false);
  expect(chord.matchesTone(660)).toBe(false);
  const half = await heardOf([
    ...encoder.encode(sine([300], 0.5)),
    ...encoder.encode(new Float32Array(48_000)),
  ]);
  encoder.destroy();
  expect(half.durationMs).toBe(1000);
  expect(half.toneMs(300)).toBeGreaterThanOrEqual(440);
  expect(half.toneMs(300)).toBeLessThanOrEqual(540);
});

test('an Ogg Opus file of 20 ms packets passes through untouched (60 ms packets: scenario.test.ts); PCM is encoded', async () => {
  const encoder = new OpusEncoder({ channels: 2 });
  const muxer = new OggOpusMuxer({ channels: 2 });
  const pcm = sine([523], 0.6);
  const pages: Uint8Array[] = [];
  const packets = [...encoder.encode(pcm), ...encoder.flush()];
  for (const p of packets) pages.push(...muxer.write(p));
  pages.push(...muxer.end());
  const file = Buffer.concat(pages);
  const passed = await speakFrames(file);
  expect((await collect(passed.frames)).map((f) => Buffer.from(f).toString('hex'))).toEqual(
    packets.map((p) => Buffer.from(p).toString('hex')),
  );
  const fromPcm = await speakFrames({ pcm, channels: 2 });
  const heard = await heardOf(await collect(fromPcm.frames));
  fromPcm.close();
  encoder.destroy();
  expect(heard.durationMs).toBe(600);
  expect(heard.matchesTone(523)).toBe(true);
});

test('bad sources are typed errors', async () => {
  for (const bad of [
    { tone: 0, seconds: 1 },
    { tone: 440, seconds: -1 },
    { tone: 440, seconds: 1, volume: 2 },
    { pcm: [1, 2, 3] },
    { pcm: new Int16Array(4), channels: 3 },
    42,
  ]) {
    await expect(speakFrames(bad as never)).rejects.toMatchObject({ code: 'EMULATOR_BAD_AUDIO' });
    await expect(speakFrames(bad as never)).rejects.toBeInstanceOf(EmulatorError);
  }
});

test('property: any bytes given as an Ogg file yield only valid frames and never throw', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), async (bytes, capture) => {
      const input = capture ? Buffer.concat([Buffer.from('OggS'), bytes]) : bytes;
      const { frames, close } = await speakFrames(input);
      const out = await collect(frames);
      close();
      for (const f of out) expect(f.length).toBeGreaterThan(0);
    }),
    { numRuns: 200 },
  );
});

test('frames that are not Opus decode to silence: no frequency, no tone', async () => {
  const junk = Array.from({ length: 10 }, (_, i) => Uint8Array.of(0xff, 0xff, i, 1, 2, 3));
  const heard = await heardOf(junk);
  expect(heard.durationMs).toBe(200);
  expect(heard.pcm.every((s) => s === 0)).toBe(true);
  expect(heard.dominantFrequency).toBeUndefined();
  expect(heard.matchesTone(440)).toBe(false);
  expect(heard.toneMs(440)).toBe(0);
});
