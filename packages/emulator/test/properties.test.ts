import fc from 'fast-check';
import { expect, test } from 'vitest';
import { EmulatorError, parseFaultScript, parseScenario, ScenarioError } from '../src/index.js';
import { parseGatewayTarget } from '../src/gateway/upgrade.js';
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

test('parseScenario: any JSON value either parses or throws ScenarioError, never anything else', () => {
  const user = fc.constantFrom('alice', 'bob', '1300000000000000010', 'x');
  const step = fc.record(
    {
      at: fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.double(), fc.string()),
      user,
      do: fc.constantFrom(
        'say',
        'type',
        'react',
        'command',
        'click',
        'joinVoice',
        'moveVoice',
        'leaveVoice',
        'speak',
        'status',
        'joinGuild',
        'leaveGuild',
        'dance',
      ),
      channel: fc.oneof(fc.constant('1300000000000000101'), fc.string()),
      content: fc.string(),
      frames: fc.oneof(fc.integer(), fc.double()),
      opusHex: fc.array(fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef') }), fc.string())),
      options: fc.anything(),
      status: fc.constantFrom('online', 'idle', 'dnd', 'offline', 'away'),
      message: fc.oneof(fc.constant('lastBotMessage'), fc.string()),
      customId: fc.string(),
      guild: fc.string(),
      emoji: fc.string(),
    },
    { requiredKeys: ['do'] },
  );
  const scenario = fc.oneof(
    fc.anything(),
    fc.record({
      users: fc.oneof(fc.array(fc.record({ username: user, id: fc.option(fc.string()) })), fc.anything()),
      timeline: fc.oneof(fc.array(step), fc.anything()),
    }),
  );
  let parsed = 0;
  fc.assert(
    fc.property(scenario, (input) => {
      try {
        const s = parseScenario(input);
        parsed += 1;
        expect(Array.isArray(s.timeline)).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(ScenarioError);
      }
    }),
    { numRuns: 2000 },
  );
  // The generator reaches valid scenarios too, so the property is not only about refusals.
  expect(parsed).toBeGreaterThan(0);
});

test('parseGatewayTarget: any request target parses to a path and query or is refused, never throws', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string(), fc.webUrl(), fc.webPath(), fc.string({ unit: 'binary' }), fc.constant(undefined)),
      (target) => {
        const parsed = parseGatewayTarget(target);
        expect(parsed === undefined || parsed.path.startsWith('/')).toBe(true);
      },
    ),
    { numRuns: 5000 },
  );
  expect(parseGatewayTarget('/?v=10&encoding=json')?.query.get('v')).toBe('10');
  expect(parseGatewayTarget('//')).toBeUndefined();
});
