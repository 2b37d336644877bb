import fc from 'fast-check';
import { expect, test } from 'vitest';
import { EmulatorError, parseFaultScript } from '../src/index.js';
import { normalizeSeed } from '../src/seed.js';
import { Session } from '../src/gateway/session.js';
import { shardForGuild } from '../src/gateway/shardRouting.js';

test('the replay buffer answers like a model that keeps the last `capacity` dispatches', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 50 }),
      fc.integer({ min: 0, max: 3000 }),
      fc.nat(),
      (capacity, count, probe) => {
        const session = new Session('s', [0, 1], 0, 'u', 'json', 'none', capacity);
        for (let i = 0; i < count; i++) {
          const s = session.nextSeq();
          session.record({ s, t: 'X', d: i });
        }
        const seq = probe % (count + 2);
        const got = session.replayAfter(seq);
        const oldestKept = Math.max(1, count - capacity + 1);
        if (seq > count) expect(got).toBe('ahead');
        else if (seq < oldestKept - 1) expect(got).toBe('evicted');
        else
          expect(got).toEqual(
            Array.from({ length: count - seq }, (_, k) => ({ s: seq + 1 + k, t: 'X', d: seq + k })),
          );
      },
    ),
    { numRuns: 300 },
  );
});

test('shard routing matches the documented formula for any snowflake', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.integer({ min: 1, max: 4096 }),
      (id, count) => {
        expect(shardForGuild(id.toString(), count)).toBe(Number((id >> 22n) % BigInt(count)));
      },
    ),
  );
});

test('the seed and script parsers reject any malformed input with their typed error, never a crash', () => {
  fc.assert(
    fc.property(fc.anything(), (input) => {
      for (const parse of [normalizeSeed, parseFaultScript]) {
        try {
          parse(input);
        } catch (err) {
          expect(err).toBeInstanceOf(EmulatorError);
        }
      }
    }),
    { numRuns: 500 },
  );
});
