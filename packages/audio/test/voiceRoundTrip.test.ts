/**
 * Done-when, over real sockets: PCM → our encoder → voice-ws connection → emulator → another
 * member → jitter buffer → decoder, and the recording of an impaired call.
 */
import { readFileSync } from 'node:fs';
import type { VoiceServer } from '@cordwire/emulator';
import type { VoiceConnection } from '@cordwire/voice-ws';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AudioPlayer, AudioReceiver, Recorder, type UserSlot, demuxOggOpus } from '../src/index.js';
import { runTool, scratchDir } from './debianTools.js';
import { pcmBytes } from './playerHarness.js';
import { concat, goertzel, tone } from './signals.js';
import { join, playerPull, voiceServer, waitFor } from './voiceHarness.js';

describe('audio over the emulator', () => {
  let server: VoiceServer | undefined;
  const conns: VoiceConnection[] = [];
  const receivers: AudioReceiver[] = [];
  const scratch = scratchDir();
  afterEach(async () => {
    for (const r of receivers.splice(0)) r.stop();
    for (const c of conns.splice(0)) c.destroy();
    await server?.close();
  });
  afterAll(() => scratch.remove());

  async function pair(s: VoiceServer): Promise<{ a: VoiceConnection; b: VoiceConnection }> {
    const a = join(s, '1');
    const b = join(s, '2');
    conns.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    await waitFor(
      () => a.connectedUsers.has('2') && b.connectedUsers.has('1'),
      5000,
      'both members connected',
    );
    expect(a.daveProtocolVersion).toBe(0);
    return { a, b };
  }

  it('a 440 Hz tone goes PCM → encoder → connection → emulator → member → jitter buffer → decoder intact', async () => {
    server = await voiceServer();
    const { a, b } = await pair(server);
    const receiver = new AudioReceiver({ delaySlots: 3 });
    receivers.push(receiver);
    b.on('frame', (frame) => receiver.push(frame));
    receiver.start();
    const slots: UserSlot[] = [];
    const speaking: string[] = [];
    receiver.on('speakingStart', (user, slot) => speaking.push(`start:${user}@${slot}`));
    receiver.on('speakingEnd', (user, slot) => speaking.push(`end:${user}@${slot}`));
    void (async () => {
      for await (const slot of receiver.opus('1')) slots.push(slot);
    })();

    const player = new AudioPlayer();
    player.enqueue(pcmBytes(tone(440, 2)), { type: 'pcm' });
    await a.play(playerPull(player));
    await waitFor(
      () => slots.filter((s) => s.voice).length >= 100 && speaking.at(-1)?.startsWith('end:1') === true,
      10_000,
      'the whole speech at B',
    );

    const voice = slots.filter((s) => s.voice);
    // 2 s = 100 frames of 20 ms, all received on a clean link, each played once. (On a starved
    // CPU the sender can stall; the jitter buffer then plays on after a gap, so the frames need
    // not be in consecutive slots, but speaking events must cover exactly the voiced slots.)
    expect(voice).toHaveLength(100);
    expect(voice.every((s) => s.kind === 'audio')).toBe(true);
    expect(new Set(voice.map((s) => s.slot)).size).toBe(100);
    let spoken = 0;
    for (let i = 0; i < speaking.length; i += 2) {
      const start = Number(speaking[i]!.split('@')[1]);
      const end = Number(speaking[i + 1]!.split('@')[1]);
      expect(speaking[i]).toMatch(/^start:1@/);
      expect(speaking[i + 1]).toMatch(/^end:1@/);
      spoken += end - start;
      expect(voice.filter((s) => s.slot >= start && s.slot < end)).toHaveLength(end - start);
    }
    expect(spoken).toBe(100);
    const pcm = concat(voice.map((s) => s.pcm));
    expect(goertzel(pcm.subarray(1920 * 5), 440)).toBeGreaterThan(0.3);
    expect(goertzel(pcm.subarray(1920 * 5), 1000)).toBeLessThan(0.02);
  });

  it('with 10 % loss and reordering, the recording lasts the call by the wall clock and opusdec decodes it', async () => {
    server = await voiceServer();
    const { a, b } = await pair(server);
    const receiver = new AudioReceiver({ delaySlots: 3 });
    receivers.push(receiver);
    b.on('frame', (frame) => receiver.push(frame));
    const startedAt = performance.now();
    receiver.start();
    const recorder = new Recorder(receiver, { directory: scratch.dir });
    recorder.start();

    server.control.setNetwork({ loss: 0.1, reorder: 0.1, seed: 12 });
    const player = new AudioPlayer();
    player.enqueue(pcmBytes(tone(600, 3)), { type: 'pcm' });
    await a.play(playerPull(player));
    // A quiet tail after the speech (15 slots = 300 ms): silence is recorded as silence.
    const quietFrom = receiver.slots;
    await waitFor(
      () => {
        receiver.tick();
        return receiver.slots >= quietFrom + 15;
      },
      5000,
      'a quiet tail',
    );
    const elapsed = performance.now() - startedAt;
    const summary = await recorder.stop();

    const link = server.control.linkCounters('2')!;
    expect(link.dropped).toBeGreaterThan(5);
    expect(link.reordered).toBeGreaterThan(5);
    expect(receiver.stats('1')!.lostSlots).toBeGreaterThan(0);
    // Most lost slots had their next packet waiting: rebuilt from its in-band FEC, not guessed.
    expect(receiver.stats('1')!.fecSlots).toBeGreaterThan(0);
    // One frame per 20 ms slot of the receiver's wall-clock timeline.
    expect(Math.abs(summary.frames * 20 - elapsed)).toBeLessThanOrEqual(40);
    for (const name of ['1', 'mix']) {
      const path = summary.files.get(name)!;
      const events = demuxOggOpus(new Uint8Array(readFileSync(path)));
      // Pre-skip 960 drops the lead-in frame: playback length = frames × 20 ms.
      expect(events.at(-1)).toMatchObject({ type: 'end', granule: BigInt((summary.frames + 1) * 960) });
      const info = await runTool('opusinfo', [path]);
      expect(info.code).toBe(0);
      expect(info.stdout + info.stderr).not.toMatch(/WARNING|ERROR/i);
      const dec = await runTool('opusdec', ['--quiet', '--rate', '48000', path, `${path}.wav`]);
      expect(dec.code).toBe(0);
      const wavBytes = readFileSync(`${path}.wav`);
      expect(wavBytes.length - 44).toBe(summary.frames * 960 * 4);
      const pcm = new Int16Array(
        wavBytes.buffer.slice(wavBytes.byteOffset + 44, wavBytes.byteOffset + wavBytes.length),
      );
      expect(goertzel(pcm, 600)).toBeGreaterThan(0.05);
    }
  });
});
