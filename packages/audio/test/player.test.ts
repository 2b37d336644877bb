import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isSilenceFrame } from '@cordwire/voice-udp';
import { AudioPlayer, type AudioTrack, demuxOggOpus } from '../src/index.js';
import { runTool, scratchDir } from './debianTools.js';
import { decodeFrames, pcmBytes, runPlayer } from './playerHarness.js';
import { goertzel, tone, wav } from './signals.js';

function events(player: AudioPlayer): string[] {
  const log: string[] = [];
  player.on('trackStart', () => log.push('start'));
  player.on('trackEnd', (_, reason) => log.push(`end:${reason}`));
  player.on('trackError', (_, error) => log.push(`error:${error.code}`));
  player.on('stateChange', (_, to) => log.push(to));
  return log;
}

describe('AudioPlayer', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.remove());

  async function opusFile(name: string, pcm: Int16Array): Promise<string> {
    writeFileSync(scratch.path(`${name}.wav`), wav(pcm));
    const enc = await runTool('opusenc', [
      '--quiet',
      scratch.path(`${name}.wav`),
      scratch.path(`${name}.opus`),
    ]);
    expect(enc.code).toBe(0);
    return scratch.path(`${name}.opus`);
  }

  it('PCM through the encoder: the tone comes out, 20 ms per frame, then five silence frames', async () => {
    const player = new AudioPlayer({ backend: 'wasm' });
    const log = events(player);
    player.enqueue(pcmBytes(tone(440, 1)), { type: 'pcm' });
    const frames = await runPlayer(player);
    expect(frames.length).toBe(50 + 5);
    expect(frames.slice(50).every(isSilenceFrame)).toBe(true);
    const pcm = decodeFrames(frames.slice(0, 50));
    expect(goertzel(pcm.subarray(9600), 440)).toBeGreaterThan(0.3);
    // Buffering while the source's first frames are read, then playing.
    expect(log).toEqual(['start', 'buffering', 'playing', 'end:finished', 'idle']);
    expect(player.stats.passthrough).toBe(0);
  });

  it('f32 PCM (mono here) plays like s16, on both channels', async () => {
    const player = new AudioPlayer({ backend: 'wasm' });
    const f32 = Float32Array.from(tone(660, 0.5, { channels: 1 }), (v) => v / 32768);
    player.enqueue(new Uint8Array(f32.buffer), { type: 'f32', channels: 1 });
    const frames = (await runPlayer(player)).filter((f) => !isSilenceFrame(f));
    expect(frames).toHaveLength(25);
    const pcm = decodeFrames(frames).subarray(9600);
    expect(goertzel(pcm, 660)).toBeGreaterThan(0.3);
    // The right channel carries the same tone (mono is played on both).
    expect(goertzel(pcm.subarray(1), 660)).toBeGreaterThan(0.3);
  });

  it('an Ogg Opus file alone at volume 1 is passed through: the exact packets of the file', async () => {
    const path = await opusFile('pass', tone(440, 1.5));
    const packets = demuxOggOpus(new Uint8Array(readFileSync(path))).flatMap((e) =>
      e.type === 'packet' ? [e.packet] : [],
    );
    const player = new AudioPlayer({ backend: 'wasm' });
    player.enqueue(path);
    const frames = await runPlayer(player);
    expect(frames.slice(0, packets.length)).toEqual(packets);
    expect(player.stats.passthrough).toBe(packets.length);
    expect(player.stats.encoded).toBe(0);
  });

  it('Ogg files with 10 ms and 60 ms packets play as exact 20 ms frames', async () => {
    writeFileSync(scratch.path('odd.wav'), wav(tone(440, 1)));
    for (const framesize of ['10', '60']) {
      const out = scratch.path(`odd${framesize}.opus`);
      const enc = await runTool('opusenc', [
        '--quiet',
        '--framesize',
        framesize,
        scratch.path('odd.wav'),
        out,
      ]);
      expect(enc.code).toBe(0);
      const player = new AudioPlayer({ backend: 'wasm' });
      player.enqueue(out);
      const frames = (await runPlayer(player)).filter((f) => !isSilenceFrame(f));
      // 1 s plus the encoder's pre-skip (312 samples) rounded up to whole packets.
      expect(frames.length).toBeGreaterThanOrEqual(50);
      expect(frames.length).toBeLessThanOrEqual(framesize === '60' ? 53 : 51);
      expect(player.stats.passthrough).toBe(0);
      expect(goertzel(decodeFrames(frames).subarray(9600, 1920 * 45), 440)).toBeGreaterThan(0.3);
    }
  });

  it('two tracks played at once are both audible in the mix', async () => {
    const player = new AudioPlayer({ backend: 'wasm' });
    const music = await opusFile('music', tone(440, 1, { amplitude: 0.4 }));
    player.play(music);
    player.play(pcmBytes(tone(1200, 1, { amplitude: 0.4 })), { type: 'pcm' });
    const frames = await runPlayer(player);
    const pcm = decodeFrames(frames).subarray(9600, 40_000);
    expect(goertzel(pcm, 440)).toBeGreaterThan(0.1);
    expect(goertzel(pcm, 1200)).toBeGreaterThan(0.1);
    expect(goertzel(pcm, 800)).toBeLessThan(0.02);
    // Mixed while both play (the Ogg file is a few ms longer and ends alone, passed through).
    expect(player.stats.encoded).toBeGreaterThanOrEqual(48);
  });

  it('soft clipping: two full-scale tracks never wrap around', async () => {
    const player = new AudioPlayer({ backend: 'wasm' });
    player.play(pcmBytes(tone(300, 0.3, { amplitude: 0.99 })), { type: 'pcm' });
    player.play(pcmBytes(tone(300, 0.3, { amplitude: 0.99 })), { type: 'pcm' });
    const frames = await runPlayer(player);
    const pcm = decodeFrames(frames.slice(0, 15));
    // Wrapping would flip the sign at the peaks and kill the fundamental.
    expect(goertzel(pcm.subarray(4800), 300)).toBeGreaterThan(0.7);
  });

  it('seek lands within one frame: Ogg by granule (exact packets), PCM by offset', async () => {
    const path = await opusFile('seek', tone(440, 3, { noise: 0.05 }));
    const packets = demuxOggOpus(new Uint8Array(readFileSync(path))).flatMap((e) =>
      e.type === 'packet' ? [e.packet] : [],
    );
    const player = new AudioPlayer({ backend: 'wasm' });
    const track = player.enqueue(path);
    let seeked = -1;
    const frames = await runPlayer(player, {
      onTick: () => {
        if (seeked < 0 && track.positionMs >= 200) {
          track.seek(2000);
          seeked = 0;
        }
      },
    });
    // 10 packets before the seek; then the file from 2000 ms: packets covering [2000 - 20, ...).
    // While the reopened file fills, the player covers the gap with silence frames.
    const after = frames.slice(10, frames.length - 5).filter((f) => !isSilenceFrame(f));
    const at = packets.findIndex((p) => Buffer.compare(p, after[0]!) === 0);
    // Packet k covers granule [960k, 960k+960); the first with end > 2000 ms + pre-skip.
    const expected = Math.floor((2000 * 48 + 312) / 960);
    expect(Math.abs(at - expected)).toBeLessThanOrEqual(1);
    expect(after).toEqual(packets.slice(at));

    // PCM: 1 s at 300 Hz then 1 s at 900 Hz; start at 1000 ms → only 900 Hz.
    const two = new Int16Array(48_000 * 4);
    two.set(tone(300, 1));
    two.set(tone(900, 1), 48_000 * 2);
    const pcmPlayer = new AudioPlayer({ backend: 'wasm' });
    const pcmTrack = pcmPlayer.enqueue(pcmBytes(two), { type: 'pcm', startMs: 1000 });
    const out = await runPlayer(pcmPlayer);
    expect(out.length).toBe(50 + 5);
    const pcm = decodeFrames(out.slice(0, 50));
    expect(goertzel(pcm.subarray(9600), 900)).toBeGreaterThan(0.3);
    expect(goertzel(pcm.subarray(9600), 300)).toBeLessThan(0.02);
    expect(pcmTrack.positionMs).toBe(2000);
  });

  it('a clip shorter than one frame plays as one frame and fires start and end', async () => {
    const player = new AudioPlayer({ backend: 'wasm' });
    const log = events(player);
    const track = player.enqueue(pcmBytes(tone(440, 0.005)), { type: 'pcm' });
    const frames = await runPlayer(player);
    expect(frames.length).toBe(1 + 5);
    expect(await track.finished).toBe('finished');
    expect(log).toEqual(['start', 'buffering', 'playing', 'end:finished', 'idle']);
    // Even an empty clip gets its events.
    const empty = new AudioPlayer({ backend: 'wasm' });
    const emptyLog = events(empty);
    empty.enqueue(new Uint8Array(0), { type: 'pcm' });
    await runPlayer(empty, { maxTicks: 20 });
    expect(emptyLog).toEqual(['start', 'buffering', 'end:finished', 'idle']);
  });

  it('queue: tracks play one after another; pause, resume, stop, volume and loop', async () => {
    const player = new AudioPlayer({ backend: 'wasm' });
    const log = events(player);
    const a = player.enqueue(pcmBytes(tone(440, 0.2)), { type: 'pcm', loop: 2 });
    const b = player.enqueue(pcmBytes(tone(880, 0.2)), { type: 'pcm', volume: 0.5 });
    const c = player.enqueue(pcmBytes(tone(660, 10)), { type: 'pcm' });
    let pausedAt = -1;
    const frames = await runPlayer(player, {
      onTick: (tick) => {
        if (c.state === 'playing' && pausedAt < 0 && c.positionMs >= 100) {
          c.pause();
          pausedAt = tick;
        }
        if (pausedAt >= 0 && tick === pausedAt + 30) c.resume();
        if (c.positionMs >= 300) c.stop();
      },
      idleTicks: 60,
    });
    expect(a.stats.loops).toBe(2);
    expect(await a.finished).toBe('finished');
    expect(await b.finished).toBe('finished');
    expect(await c.finished).toBe('stopped');
    expect(log.filter((e) => e === 'start')).toHaveLength(3);
    expect(log.filter((e) => e.startsWith('end:'))).toEqual(['end:finished', 'end:finished', 'end:stopped']);
    expect(log).toContain('paused');
    // a: 3 × 10 frames, b: 10, c: 15 before stop (paused ticks send silence, not audio), silences.
    const audio = frames.filter((f) => !isSilenceFrame(f));
    expect(audio.length).toBe(30 + 10 + 15);
    // b at half volume is quieter than a.
    const pcm = decodeFrames(audio);
    const level = (from: number) =>
      goertzel(pcm.subarray(from * 1920 + 1920 * 3, (from + 10) * 1920), from < 30 ? 440 : 880);
    expect(level(30)).toBeLessThan(level(20) * 0.7);
  });

  it('an endless stream is read only as far ahead as the read-ahead allows (bounded memory)', async () => {
    let produced = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        produced++;
        yield Uint8Array.of(0xfc, produced & 0xff, 1, 2, 3);
      }
    }
    const player = new AudioPlayer({ backend: 'wasm' });
    const track = player.enqueue(endless(), { type: 'opus', readAhead: 20 });
    const frames = await runPlayer(player, { maxTicks: 200 });
    expect(frames.length).toBeGreaterThan(150);
    expect(produced - frames.length).toBeLessThanOrEqual(22);
    track.stop();
  });

  it('without ffmpeg, an MP3 gives the typed error saying how to install it, and the track ends', async () => {
    const player = new AudioPlayer({ backend: 'wasm', ffmpegPath: scratch.path('no-such-ffmpeg') });
    const errors: unknown[] = [];
    player.on('trackError', (_, e) => errors.push(e));
    // An MP3 frame header (ID3 tag start): not Ogg, so it needs ffmpeg.
    const track: AudioTrack = player.enqueue(Uint8Array.of(0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0));
    await runPlayer(player, { maxTicks: 50 });
    expect(await track.finished).toBe('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'FfmpegError', code: 'FFMPEG_NOT_FOUND' });
    expect((errors[0] as Error).message).toMatch(/apt-get install ffmpeg/);
  });

  it('with ffmpeg installed, an MP3 made by ffmpeg plays (restart at an offset to seek)', async () => {
    writeFileSync(scratch.path('mp3src.wav'), wav(tone(550, 2)));
    const made = await runTool('ffmpeg', [
      '-y',
      '-loglevel',
      'error',
      '-i',
      scratch.path('mp3src.wav'),
      scratch.path('tone.mp3'),
    ]);
    expect(made.code).toBe(0);
    const player = new AudioPlayer({ backend: 'wasm' });
    const track = player.enqueue(scratch.path('tone.mp3'), { startMs: 1000 });
    const frames = await runPlayer(player, { idleTicks: 50 });
    expect(await track.finished).toBe('finished');
    const audio = frames.filter((f) => !isSilenceFrame(f));
    // About 1 s left after the offset (MP3 adds encoder padding of a few ms).
    expect(audio.length).toBeGreaterThanOrEqual(49);
    expect(audio.length).toBeLessThanOrEqual(53);
    expect(goertzel(decodeFrames(audio).subarray(9600, 80_000), 550)).toBeGreaterThan(0.3);
  });
});
