import { describe, expect, it } from 'vitest';
import {
  type ClockParticipant,
  NonceCounter,
  SILENCE_FRAME,
  SendClock,
  VoiceSender,
  createTransportCipher,
  decryptVoicePacket,
} from '../src/index.js';
import { FakeTimer } from './fakeTimer.js';

function recorder(log: string[], name: string): ClockParticipant {
  return { dispatch: () => log.push(`${name}:dispatch`), prepare: () => log.push(`${name}:prepare`) };
}

describe('SendClock', () => {
  it('runs every dispatch before any prepare, for all participants of one tick', () => {
    const timer = new FakeTimer();
    const clock = new SendClock({ timer });
    const log: string[] = [];
    clock.add(recorder(log, 'a'));
    clock.add(recorder(log, 'b'));
    expect(log).toEqual(['a:prepare', 'b:prepare']);
    log.length = 0;
    timer.advance(20);
    expect(log).toEqual(['a:dispatch', 'b:dispatch', 'a:prepare', 'b:prepare']);
  });

  it('keeps absolute deadlines: late timers shorten the next wait instead of drifting', () => {
    const timer = new FakeTimer();
    const clock = new SendClock({ timer });
    const ticks: number[] = [];
    let n = 0;
    timer.lateness = () => [3, 7, 1, 0, 5][n++ % 5]!;
    clock.add({ dispatch: () => ticks.push(timer.now()), prepare: () => {} });
    timer.advance(1000);
    // Every tick fires at its own deadline k·20 plus only that tick's lateness: no accumulation.
    expect(ticks.length).toBeGreaterThanOrEqual(49);
    ticks.forEach((at, k) => {
      const deadline = 20 * (k + 1);
      expect(at - deadline).toBeGreaterThanOrEqual(0);
      expect(at - deadline).toBeLessThanOrEqual(7);
    });
    expect(clock.stats.skippedDeadlines).toBe(0);
  });

  it('skips and counts deadlines after a stall instead of bursting', () => {
    const timer = new FakeTimer();
    const clock = new SendClock({ timer, maxLagIntervals: 3 });
    const ticks: number[] = [];
    const stalls = [200];
    timer.lateness = () => stalls.shift() ?? 0;
    clock.add({ dispatch: () => ticks.push(timer.now()), prepare: () => {} });
    timer.advance(400);
    expect(ticks[0]).toBe(220);
    expect(clock.stats.skippedDeadlines).toBe(10);
    // after the stall, back on the 20 ms grid
    expect(ticks[1]).toBe(240);
    expect(ticks[2]).toBe(260);
  });

  it('stops when the last participant leaves and isolates a throwing participant', () => {
    const timer = new FakeTimer();
    const errors: unknown[] = [];
    const clock = new SendClock({ timer, onError: (error) => errors.push(error) });
    const log: string[] = [];
    const remove = clock.add({
      dispatch: () => {
        throw new Error('boom');
      },
      prepare: () => {},
    });
    clock.add(recorder(log, 'ok'));
    timer.advance(20);
    expect(log).toContain('ok:dispatch');
    expect(errors).toHaveLength(1);
    remove();
    clock.stop();
    expect(clock.running).toBe(false);
    expect(timer.pending).toBe(0);
  });
});

describe('VoiceSender', () => {
  const key = new Uint8Array(32).fill(9);

  function setup(frames: (Uint8Array | null)[]) {
    const timer = new FakeTimer();
    const clock = new SendClock({ timer });
    const events: string[] = [];
    const sent: Uint8Array[] = [];
    const sender = new VoiceSender({
      ssrc: 42,
      cipher: createTransportCipher('aead_aes256_gcm_rtpsize', key),
      send: (datagram) => {
        sent.push(datagram);
        events.push('packet');
      },
      onSpeakingChange: (speaking) => events.push(`speaking:${speaking}`),
      source: () => (frames.length > 0 ? frames.shift()! : null),
      transform: { transformOutbound: (opus) => Uint8Array.of(...opus, 0xfa, 0xfa) },
      random: () => 0xfffffffe,
    });
    clock.add(sender);
    return { timer, events, sent, sender, receiver: createTransportCipher('aead_aes256_gcm_rtpsize', key) };
  }

  it('announces speaking before the first packet, sends five silence frames before a gap, then speaking false', () => {
    const audio = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
    const { timer, events, sent, receiver, sender } = setup([...audio]);
    timer.advance(20 * 12);
    expect(events).toEqual(['speaking:true', ...Array(3 + 5).fill('packet'), 'speaking:false']);
    const packets = sent.map((datagram) => {
      const result = decryptVoicePacket(receiver, datagram);
      if (!result.ok) throw result.error;
      return result.value;
    });
    // audio goes through the frame hook; silence frames do not
    expect(packets.slice(0, 3).map((p) => [...p.payload])).toEqual([
      [1, 0xfa, 0xfa],
      [2, 0xfa, 0xfa],
      [3, 0xfa, 0xfa],
    ]);
    for (const p of packets.slice(3)) expect(p.payload).toEqual(SILENCE_FRAME);
    // seq +1 (wrapping at 2^16 from the random start 0xfffe) and ts +960
    expect(packets.map((p) => p.header.sequence)).toEqual([0xfffe, 0xffff, 0, 1, 2, 3, 4, 5]);
    expect((packets[1]!.header.timestamp - packets[0]!.header.timestamp) >>> 0).toBe(960);
    expect(packets.every((p) => p.header.ssrc === 42 && p.header.payloadType === 120)).toBe(true);
    expect(sender.stats).toMatchObject({ packetsSent: 8, silenceFramesSent: 5, framesDropped: 0 });
  });

  it('does not pass silence frames from the source through the frame hook', () => {
    const { timer, sent, receiver } = setup([SILENCE_FRAME, Uint8Array.of(5)]);
    timer.advance(40);
    const payloads = sent.map((d) => {
      const r = decryptVoicePacket(receiver, d);
      if (!r.ok) throw r.error;
      return [...r.value.payload];
    });
    expect(payloads.slice(0, 2)).toEqual([
      [0xf8, 0xff, 0xfe],
      [5, 0xfa, 0xfa],
    ]);
  });

  it('advances the timestamp through idle ticks and re-announces speaking after a gap', () => {
    const frames: (Uint8Array | null)[] = [Uint8Array.of(1)];
    const { timer, events, sent, receiver } = setup(frames);
    timer.advance(20 * 10); // 1 audio + 5 silence + 4 idle ticks
    frames.push(Uint8Array.of(2));
    timer.advance(20 * 2);
    expect(events.filter((e) => e.startsWith('speaking'))).toEqual([
      'speaking:true',
      'speaking:false',
      'speaking:true',
    ]);
    const headers = sent.map((d) => {
      const r = decryptVoicePacket(receiver, d);
      if (!r.ok) throw r.error;
      return r.value.header;
    });
    const last = headers.at(-1)!;
    const previous = headers.at(-2)!;
    expect(last.sequence).toBe((previous.sequence + 1) & 0xffff);
    expect((last.timestamp - previous.timestamp) >>> 0).toBeGreaterThan(960);
  });

  it('drops and reports frames when the nonce counter is exhausted, never reusing a nonce', () => {
    const timer = new FakeTimer();
    const clock = new SendClock({ timer });
    const errors: unknown[] = [];
    const sent: Uint8Array[] = [];
    const sender = new VoiceSender({
      ssrc: 1,
      cipher: createTransportCipher('aead_xchacha20_poly1305_rtpsize', key, {
        nonce: new NonceCounter({ start: 0, issued: 2 ** 32 - 2 }),
      }),
      send: (d) => sent.push(d),
      source: () => Uint8Array.of(7),
      onError: (error) => errors.push(error),
    });
    clock.add(sender);
    timer.advance(100);
    expect(sent).toHaveLength(2);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ code: 'NONCE_EXHAUSTED' });
    expect(sender.stats.framesDropped).toBe(errors.length);
  });
});
