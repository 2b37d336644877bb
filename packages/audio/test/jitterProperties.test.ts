import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioReceiver, JitterBuffer } from '../src/index.js';

const packetArb = fc.record({
  ssrc: fc.constantFrom(1, 2),
  sequence: fc.integer({ min: 0, max: 0xffff }),
  timestamp: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: null }),
  opus: fc.option(fc.uint8Array({ minLength: 0, maxLength: 40 }), { nil: null }),
  advance: fc.integer({ min: 0, max: 3 }),
});

describe('receive path under hostile input', () => {
  it('the jitter buffer never throws and holds at most maxAhead + delay slots, whatever arrives', () => {
    fc.assert(
      fc.property(
        fc.array(packetArb, { maxLength: 300 }),
        fc.integer({ min: 0, max: 5 }),
        (packets, delay) => {
          const jb = new JitterBuffer({ delaySlots: delay, maxAheadSlots: 40, playout: { depth: 3 } });
          let now = 0;
          for (const p of packets) {
            jb.push(p, now);
            for (let i = 0; i < p.advance; i++) {
              const slot = jb.take(now++);
              expect(['audio', 'lost', 'silence']).toContain(slot.kind);
            }
            expect(jb.stats.held).toBeLessThanOrEqual(40 + delay);
          }
        },
      ),
    );
  });

  it('the receiver never throws on garbage packets, SSRC flips or missing timestamps, and keeps its timeline', () => {
    fc.assert(
      fc.property(fc.array(packetArb, { maxLength: 120 }), (packets) => {
        let now = 0;
        const receiver = new AudioReceiver({ backend: 'wasm', timer: false, now: () => now, delaySlots: 1 });
        receiver.start();
        for (const p of packets) {
          receiver.push({ userId: `u${p.ssrc}`, ...p });
          now += p.advance * 20;
          receiver.tick();
        }
        receiver.tick();
        expect(receiver.slots).toBe(Math.floor(now / 20) + 1);
        receiver.stop();
      }),
      { numRuns: 30 },
    );
  });
});
