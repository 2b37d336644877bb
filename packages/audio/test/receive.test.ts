import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioReceiver, JitterBuffer, OpusEncoder, Recorder, demuxOggOpus } from '../src/index.js';
import { runTool, scratchDir } from './debianTools.js';
import { concat, goertzel, tone } from './signals.js';

function encodeTone(frequency: number, seconds: number): Uint8Array[] {
  const encoder = new OpusEncoder({ backend: 'wasm' });
  const packets = [...encoder.encode(tone(frequency, seconds)), ...encoder.flush()];
  encoder.destroy();
  return packets;
}

/** A manual clock: the receiver's slots advance only when the test says so. */
function manualReceiver(options: ConstructorParameters<typeof AudioReceiver>[0] = {}) {
  let now = 0;
  const receiver = new AudioReceiver({ backend: 'wasm', timer: false, now: () => now, ...options });
  receiver.start();
  return {
    receiver,
    /** Advance the clock by `ms` and play out what became due. */
    advance(ms: number) {
      now += ms;
      receiver.tick();
    },
  };
}

describe('JitterBuffer', () => {
  const packet = (sequence: number, timestamp: number, ssrc = 1) => ({
    ssrc,
    sequence,
    timestamp,
    opus: Uint8Array.of(0xfc, sequence & 0xff),
  });

  it('places packets by RTP timestamp: reordered ones in their slot, a quiet gap as silence', () => {
    const jb = new JitterBuffer({ delaySlots: 2, playout: { depth: 3 } });
    const base = 4_294_000_000; // wraps past 2^32 during the test
    jb.push(packet(10, base), 0);
    jb.push(packet(12, base + 1920), 0);
    jb.push(packet(11, base + 960), 0);
    // The sender went quiet for 5 slots (timestamps kept running), then spoke again.
    jb.push(packet(13, base + 960 * 8), 1);
    jb.push(packet(14, (base + 960 * 9) >>> 0), 1);
    jb.push(packet(15, (base + 960 * 10) >>> 0), 1);
    const kinds = Array.from({ length: 13 }, (_, slot) => {
      const c = jb.take(slot);
      return c.kind === 'audio' ? `a${c.opus[1]}` : c.kind[0];
    });
    // Anchor: first packet plays at slot 0 + delay 2.
    expect(kinds).toEqual(['s', 's', 'a10', 'a11', 'a12', 's', 's', 's', 's', 's', 'a13', 'a14', 'a15']);
  });

  it('a lost slot is concealed; a stalled sender moves the timeline; a straggler is late; a new SSRC re-anchors', () => {
    const jb = new JitterBuffer({ delaySlots: 1 });
    jb.push(packet(1, 0), 0);
    jb.push({ ssrc: 1, sequence: 2, timestamp: null, opus: null }, 0); // declared lost upstream
    jb.push(packet(3, 1920), 0);
    expect([jb.take(1).kind, jb.take(2).kind, jb.take(3).kind]).toEqual(['audio', 'lost', 'audio']);
    expect([jb.take(4).kind, jb.take(5).kind]).toEqual(['silence', 'silence']);
    // The next packet belonged in slot 4, which has played: the sender is behind the clock, so
    // the timeline moves and it plays `delay` from now instead of being dropped.
    jb.push(packet(4, 2880), 5);
    expect(jb.stats.stretches).toBe(1);
    // A straggler (older than what was placed) whose slot is gone is late.
    jb.push(packet(2, 960), 5);
    expect(jb.stats.late).toBe(1);
    // Swapped past the sequence stage (depth 1 gives 5 up when 6 comes) but in time for its slot.
    jb.push(packet(6, 4800), 5);
    jb.push(packet(5, 3840), 5);
    expect(jb.stats.rescued).toBe(1);
    const played = [6, 7, 8].map((slot) => {
      const c = jb.take(slot);
      return c.kind === 'audio' ? c.opus[1] : c.kind;
    });
    expect(played).toEqual([4, 5, 6]);
    // Reconnect: new SSRC with unrelated sequence/timestamp bases.
    jb.push(packet(5000, 123_456_789, 2), 10);
    expect(jb.take(10).kind).toBe('silence');
    expect(jb.take(11).kind).toBe('audio');
    expect(jb.stats.reanchors).toBe(1);
  });
});

describe('AudioReceiver and Recorder', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.remove());

  it('decodes per user, mixes two users time-aligned, and speaking events match the audio', async () => {
    const { receiver, advance } = manualReceiver({ delaySlots: 2 });
    const a = encodeTone(440, 1);
    const b = encodeTone(1300, 0.6);
    const events: string[] = [];
    receiver.on('speakingStart', (user, slot) => events.push(`start:${user}@${slot}`));
    receiver.on('speakingEnd', (user, slot) => events.push(`end:${user}@${slot}`));
    const userA: Int16Array[] = [];
    const mixed: Int16Array[] = [];
    void (async () => {
      for await (const pcm of receiver.pcm('a')) userA.push(pcm);
    })();
    void (async () => {
      for await (const pcm of receiver.mixed()) mixed.push(pcm);
    })();
    for (let i = 0; i < 70; i++) {
      if (i < a.length) receiver.push({ userId: 'a', ssrc: 1, sequence: i, timestamp: i * 960, opus: a[i]! });
      // b starts 10 slots later; after its first packet, neighbours arrive swapped in pairs.
      const j = i - 10;
      if (j >= 0 && j < b.length) {
        let k = j === 0 ? 0 : j % 2 === 1 ? j + 1 : j - 1;
        if (k >= b.length) k = j;
        receiver.push({ userId: 'b', ssrc: 2, sequence: 100 + k, timestamp: 5000 + k * 960, opus: b[k]! });
      }
      advance(20);
    }
    receiver.stop();
    await new Promise((r) => setImmediate(r));
    // b's first packet anchors it at slot 10 + delay 2; the swapped pairs land in their slots.
    expect(events).toEqual(['start:a@2', 'start:b@12', 'end:b@42', 'end:a@52']);
    expect(receiver.stats('b')).toBeUndefined(); // stop() forgets users
    // a: 50 audio slots from slot 2, then silence; the subscription saw all of them.
    expect(receiver.slots).toBe(71);
    const pcmA = concat(userA);
    expect(goertzel(pcmA.subarray(1920 * 5, 1920 * 50), 440)).toBeGreaterThan(0.3);
    const mix = concat(mixed);
    const both = mix.subarray(1920 * 15, 1920 * 40);
    expect(goertzel(both, 440)).toBeGreaterThan(0.15);
    expect(goertzel(both, 1300)).toBeGreaterThan(0.15);
  });

  it('a corrupt packet costs that slot only (counted, concealed); the stream carries on', () => {
    const { receiver, advance } = manualReceiver({ delaySlots: 1 });
    const packets = encodeTone(440, 0.4);
    packets[5] = Uint8Array.of(0xff, 0xff, 0xff, 0xff); // TOC code 3 with 63 frames: invalid
    const kinds: string[] = [];
    receiver.on('tick', (t) => kinds.push(t.users.get('a')?.kind ?? '-'));
    packets.forEach((opus, i) => {
      receiver.push({ userId: 'a', ssrc: 1, sequence: i, timestamp: i * 960, opus });
      advance(20);
    });
    advance(40);
    expect(receiver.stats('a')?.corrupt).toBe(1);
    expect(kinds.filter((k) => k === 'audio')).toHaveLength(packets.length - 1);
    expect(kinds.filter((k) => k === 'lost')).toHaveLength(1);
    receiver.stop();
  });

  it('recording: every file lasts the call, a reconnect (new SSRC) continues the same file, opusdec decodes it', async () => {
    const { receiver, advance } = manualReceiver({ delaySlots: 2 });
    const recorder = new Recorder(receiver, { directory: scratch.dir });
    recorder.start();
    const first = encodeTone(500, 1);
    const second = encodeTone(500, 1);
    // 0.5 s of nobody, 1 s of user 7, a reconnect 1 s later with a new SSRC, 1 s more, 0.3 s quiet.
    advance(500);
    first.forEach((opus, i) => {
      receiver.push({ userId: '7', ssrc: 111, sequence: 60_000 + i, timestamp: 9_000 + i * 960, opus });
      advance(20);
    });
    advance(1000);
    second.forEach((opus, i) => {
      receiver.push({ userId: '7', ssrc: 222, sequence: i, timestamp: 77 + i * 960, opus });
      advance(20);
    });
    advance(300);
    const summary = await recorder.stop();
    receiver.stop();
    // The call lasted 3.8 s = 190 slots (plus slot 0).
    expect(summary.frames).toBe(191);
    for (const name of ['7', 'mix']) {
      const path = summary.files.get(name)!;
      const events = demuxOggOpus(new Uint8Array(readFileSync(path)));
      expect(events.filter((e) => e.type === 'error')).toEqual([]);
      // One lead-in frame, dropped by the pre-skip of 960, then one frame per slot.
      expect(events.find((e) => e.type === 'head')).toMatchObject({ head: { preSkip: 960 } });
      const packets = events.filter((e) => e.type === 'packet');
      expect(packets).toHaveLength(192);
      const end = events.at(-1);
      expect(end).toMatchObject({ type: 'end', granule: 192n * 960n });
      const info = await runTool('opusinfo', [path]);
      expect(info.code).toBe(0);
      expect(info.stdout + info.stderr).not.toMatch(/WARNING|ERROR/i);
      // Exact received packets in user 7's file.
      if (name === '7') {
        const audio = packets.flatMap((e) => (e.type === 'packet' && e.packet.length > 3 ? [e.packet] : []));
        expect(audio).toEqual([...first, ...second]);
      }
      const wavPath = `${path}.wav`;
      const dec = await runTool('opusdec', ['--quiet', '--rate', '48000', path, wavPath]);
      expect(dec.code).toBe(0);
      const bytes = readFileSync(wavPath);
      expect(bytes.length - 44).toBe(191 * 960 * 4);
    }
  });
});
