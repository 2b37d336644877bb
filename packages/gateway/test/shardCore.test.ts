import { GatewayOpcodes } from '@cordwire/opcodes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GatewayFatalCloseError,
  GatewayInboundError,
  GatewayReconnectLimitError,
  type SessionInfo,
  type ShardAction,
  ShardCore,
  type ShardCoreOptions,
  type ShardEvent,
  type ShardTimer,
} from '../src/index.js';

// The sans-IO core driven by a fake clock: every timer is data, so each rule of the protocol
// is checked deterministically, without sockets.

const TOKEN = 'NzAwMDAw.secret-token-value.xyz';

class Harness {
  now = 0;
  rand = 0.5;
  conn = 0;
  readonly timers = new Map<ShardTimer, number>();
  readonly sent: Array<{ op: number; d?: unknown }> = [];
  readonly events: ShardEvent[] = [];
  readonly closes: Array<{ code: number; reason: string }> = [];
  readonly urls: string[] = [];
  readonly saved: Array<SessionInfo | null> = [];
  identifyRequests = 0;
  readonly core: ShardCore;

  constructor(options: Partial<ShardCoreOptions> = {}) {
    this.core = new ShardCore({
      token: TOKEN,
      intents: 513,
      gatewayUrl: 'wss://gateway.test/',
      now: () => this.now,
      random: () => this.rand,
      ...options,
    });
  }

  apply(actions: ShardAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'connect':
          this.conn = a.conn;
          this.urls.push(a.url);
          break;
        case 'send':
          this.sent.push(a.payload);
          break;
        case 'close':
          this.closes.push({ code: a.code, reason: a.reason });
          break;
        case 'startTimer':
          this.timers.set(a.timer, this.now + a.ms);
          break;
        case 'cancelTimer':
          this.timers.delete(a.timer);
          break;
        case 'requestIdentify':
          this.identifyRequests++;
          this.apply(this.core.handle({ type: 'identifyGranted', conn: a.conn }));
          break;
        case 'saveSession':
          this.saved.push(a.session);
          break;
        case 'emit':
          this.events.push(a.event);
          break;
      }
    }
  }

  input(i: Parameters<ShardCore['handle']>[0]): this {
    this.apply(this.core.handle(i));
    return this;
  }

  /** Moves the clock, firing due timers in deadline order. */
  advance(ms: number): this {
    const end = this.now + ms;
    for (;;) {
      let next: [ShardTimer, number] | undefined;
      for (const e of this.timers) if (e[1] <= end && (!next || e[1] < next[1])) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.now = next[1];
      this.input({ type: 'timer', timer: next[0] });
    }
    this.now = end;
    return this;
  }

  open(): this {
    return this.input({ type: 'open', conn: this.conn });
  }

  server(payload: { op: number; d?: unknown; s?: number | null; t?: string | null }): this {
    return this.input({ type: 'payload', conn: this.conn, payload });
  }

  hello(interval = 1000): this {
    return this.server({ op: GatewayOpcodes.HELLO, d: { heartbeat_interval: interval } });
  }

  ready(sessionId = 'sess-1', s = 1): this {
    return this.server({
      op: 0,
      t: 'READY',
      s,
      d: { v: 10, session_id: sessionId, resume_gateway_url: 'wss://resume.test/' },
    });
  }

  dispatch(s: number, t = 'MESSAGE_CREATE'): this {
    return this.server({ op: 0, t, s, d: { n: s } });
  }

  closed(code: number): this {
    return this.input({ type: 'closed', conn: this.conn, code, reason: '' });
  }

  started(): this {
    return this.input({ type: 'start' }).open().hello().ready();
  }

  ofType<T extends ShardEvent['type']>(type: T): Array<Extract<ShardEvent, { type: T }>> {
    return this.events.filter((e): e is Extract<ShardEvent, { type: T }> => e.type === type);
  }

  lastSent(): { op: number; d?: unknown } {
    return this.sent.at(-1)!;
  }
}

describe('handshake', () => {
  it('connects with the query, identifies with every field after HELLO', () => {
    const h = new Harness({
      shardId: 2,
      shardCount: 4,
      encoding: 'etf',
      transportCompression: 'zstd-stream',
      largeThreshold: 100,
      presence: { since: null, activities: [], status: 'idle', afk: false },
    });
    h.input({ type: 'start' });
    expect(h.urls[0]).toBe('wss://gateway.test/?v=10&encoding=etf&compress=zstd-stream');
    h.open().hello();
    expect(h.lastSent()).toEqual({
      op: 2,
      d: {
        token: TOKEN,
        properties: expect.objectContaining({ browser: 'cordwire' }),
        intents: 513,
        shard: [2, 4],
        compress: false,
        large_threshold: 100,
        presence: { since: null, activities: [], status: 'idle', afk: false },
      },
    });
    h.ready();
    expect(h.core.state).toBe('ready');
    expect(h.core.session).toMatchObject({
      sessionId: 'sess-1',
      resumeGatewayUrl: 'wss://resume.test/',
      sequence: 1,
    });
    expect(h.saved.at(-1)).toMatchObject({ sessionId: 'sess-1' });
  });

  it('asks for payload compression only without transport compression', () => {
    const h = new Harness({ payloadCompression: true });
    h.input({ type: 'start' }).open().hello();
    expect((h.lastSent().d as { compress: boolean }).compress).toBe(true);
  });

  it.each([
    ['handshake', (h: Harness) => h.input({ type: 'start' })],
    ['hello', (h: Harness) => h.input({ type: 'start' }).open()],
    ['ready', (h: Harness) => h.input({ type: 'start' }).open().hello()],
  ] as const)('times out waiting for %s and reconnects with backoff', (stage, setup) => {
    const h = new Harness({ timeouts: { handshakeMs: 100, helloMs: 100, readyMs: 100 } });
    setup(h);
    h.advance(100);
    const timeout = h.ofType('timeout')[0]!;
    expect(timeout.error.stage).toBe(stage);
    expect(h.ofType('reconnecting')).toHaveLength(1);
    expect(h.core.state).toBe('reconnectWait');
  });
});

describe('heartbeat', () => {
  it('jitters the first beat, then beats every interval with the last sequence', () => {
    const h = new Harness();
    h.rand = 0.25;
    h.started().dispatch(2);
    h.sent.length = 0;
    h.advance(249);
    expect(h.sent).toHaveLength(0);
    h.advance(1);
    expect(h.sent).toEqual([{ op: 1, d: 2 }]);
    h.now += 40;
    h.server({ op: 11 });
    expect(h.ofType('heartbeat')[0]!.latencyMs).toBe(40);
    h.advance(960);
    expect(h.sent).toEqual([
      { op: 1, d: 2 },
      { op: 1, d: 2 },
    ]);
  });

  it('answers a server op 1 at once', () => {
    const h = new Harness();
    h.started();
    h.sent.length = 0;
    h.server({ op: 1 });
    expect(h.sent).toEqual([{ op: 1, d: 1 }]);
  });

  it('detects a zombie (no ACK before the next beat), closes and resumes', () => {
    const h = new Harness();
    h.rand = 0;
    h.started();
    h.advance(0); // first beat
    h.advance(1000); // no ACK came
    expect(h.core.stats.zombies).toBe(1);
    expect(h.closes.at(-1)!.code).toBe(4900);
    h.advance(1000);
    expect(h.urls.at(-1)).toBe('wss://resume.test/?v=10&encoding=json');
    h.open().hello();
    expect(h.lastSent()).toEqual({ op: 6, d: { token: TOKEN, session_id: 'sess-1', seq: 1 } });
  });
});

describe('resume and sessions', () => {
  it('resumes on op 7 at resume_gateway_url with the same query, and counts replayed events', () => {
    const h = new Harness({ encoding: 'json', transportCompression: 'zlib-stream' });
    h.started().dispatch(2).dispatch(3);
    h.server({ op: 7 });
    h.advance(1000);
    expect(h.urls.at(-1)).toBe('wss://resume.test/?v=10&encoding=json&compress=zlib-stream');
    h.open().hello().dispatch(4).dispatch(5).server({ op: 0, t: 'RESUMED', s: 6, d: {} });
    expect(h.ofType('resumed')[0]).toMatchObject({ sessionId: 'sess-1', replayed: 2 });
    expect(h.ofType('eventsMayHaveBeenMissed')).toHaveLength(0);
  });

  it('drops duplicates a replay overlaps and counts gaps', () => {
    const h = new Harness();
    h.started().dispatch(2).dispatch(3).dispatch(2).dispatch(3).dispatch(5);
    const ns = h
      .ofType('dispatch')
      .filter((e) => e.t === 'MESSAGE_CREATE')
      .map((e) => e.s);
    expect(ns).toEqual([2, 3, 5]);
    expect(h.core.stats.duplicatesDropped).toBe(2);
    expect(h.core.stats.gaps).toBe(1);
  });

  it('op 9 resumable waits within the configured range, then resumes', () => {
    const h = new Harness({ invalidSessionDelayMs: [1000, 5000] });
    h.started();
    h.rand = 0.5;
    h.server({ op: 9, d: true });
    expect(h.ofType('reconnecting').at(-1)!.delayMs).toBe(3000);
    h.advance(2999);
    expect(h.urls).toHaveLength(1);
    h.advance(1);
    expect(h.urls).toHaveLength(2);
    h.open().hello();
    expect(h.lastSent().op).toBe(6);
  });

  it('op 9 not resumable identifies afresh and says events may have been missed', () => {
    const h = new Harness({ invalidSessionDelayMs: [1000, 5000] });
    h.started().dispatch(2);
    h.rand = 0;
    h.server({ op: 9, d: false });
    expect(h.ofType('eventsMayHaveBeenMissed')[0]).toMatchObject({
      previousSessionId: 'sess-1',
      lastSequence: 2,
    });
    h.advance(1000);
    expect(h.urls.at(-1)).toBe('wss://gateway.test/?v=10&encoding=json');
    h.open().hello();
    expect(h.lastSent().op).toBe(2);
    expect(h.saved.at(-1)).toBeNull();
  });

  it('opens the breaker after N failed resumes and starts a new session', () => {
    const h = new Harness({ maxResumeAttempts: 3 });
    h.started();
    for (let i = 0; i < 3; i++) {
      h.closed(1006).advance(h.ofType('reconnecting').at(-1)!.delayMs);
      h.open().hello();
      expect(h.lastSent().op).toBe(6);
    }
    h.closed(1006);
    expect(h.ofType('eventsMayHaveBeenMissed')[0]!.reason).toBe('resume attempts exhausted');
    h.advance(h.ofType('reconnecting').at(-1)!.delayMs).open().hello();
    expect(h.lastSent().op).toBe(2);
  });

  it('backs off exponentially with jitter while connects fail', () => {
    const h = new Harness({ backoff: { firstMs: 500, baseMs: 1000, maxMs: 8000 } });
    h.rand = 1;
    h.input({ type: 'start' });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      h.closed(1006);
      delays.push(h.ofType('reconnecting').at(-1)!.delayMs);
      h.advance(delays.at(-1)!);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    // A connection that stayed READY for a heartbeat interval was healthy: back quickly.
    h.open().hello().ready();
    h.advance(1000).server({ op: 11 });
    h.closed(1006);
    expect(h.ofType('reconnecting').at(-1)!.delayMs).toBe(500);
  });

  it('resumes a stored session given at start', () => {
    const h = new Harness();
    h.input({
      type: 'start',
      session: {
        sessionId: 'old',
        resumeGatewayUrl: 'wss://r.test/',
        sequence: 41,
        shardId: 0,
        shardCount: 1,
      },
    });
    expect(h.urls[0]).toBe('wss://r.test/?v=10&encoding=json');
    h.open().hello();
    expect(h.lastSent()).toEqual({ op: 6, d: { token: TOKEN, session_id: 'old', seq: 41 } });
  });

  it('a bad inbound frame drops the connection and resumes', () => {
    const h = new Harness();
    h.started();
    h.input({
      type: 'inboundError',
      conn: h.conn,
      error: new GatewayInboundError('GATEWAY_DECODE_FAILED', 'x'),
    });
    expect(h.ofType('inboundError')).toHaveLength(1);
    expect(h.closes.at(-1)!.code).toBe(4900);
    expect(h.ofType('reconnecting').at(-1)!.resume).toBe(true);
  });

  it('ignores events from a connection it already left', () => {
    const h = new Harness();
    h.started();
    const old = h.conn;
    h.server({ op: 7 });
    h.input({ type: 'closed', conn: old, code: 4004, reason: '' });
    expect(h.ofType('fatal')).toHaveLength(0);
  });

  it('a fatal close stops with a typed error and no reconnect', () => {
    const h = new Harness();
    h.started();
    h.closed(4014);
    const fatal = h.ofType('fatal')[0]!;
    expect(fatal.error).toBeInstanceOf(GatewayFatalCloseError);
    expect(h.core.state).toBe('fatal');
    expect(h.timers.size).toBe(0);
  });

  it('stop closes with 1000 and ends the session; a resumable stop keeps it', () => {
    const h = new Harness();
    h.started();
    h.input({ type: 'stop' });
    expect(h.closes.at(-1)!.code).toBe(1000);
    expect(h.saved.at(-1)).toBeNull();
    const k = new Harness();
    k.started().dispatch(2);
    k.input({ type: 'stop', resumable: true });
    expect(k.closes.at(-1)!.code).toBe(4900);
    expect(k.saved.at(-1)).toMatchObject({ sessionId: 'sess-1', sequence: 2 });
  });
});

describe('outbound', () => {
  it('queues user sends until READY and keeps under the window with room for heartbeats', () => {
    const h = new Harness();
    h.input({ type: 'start' }).open().hello(41_250);
    h.input({ type: 'send', payload: { op: 3, d: 'early' } });
    expect(h.sent.filter((p) => p.op === 3)).toHaveLength(0);
    h.ready();
    expect(h.sent.filter((p) => p.op === 3)).toHaveLength(1);
    for (let i = 0; i < 200; i++) h.input({ type: 'send', payload: { op: 3, d: i } });
    // 120 minus 2 heartbeats per minute minus 2 (identify/resume + a requested beat), less the identify sent.
    const inFirstWindow = h.sent.length;
    expect(inFirstWindow).toBeLessThanOrEqual(116);
    h.advance(60_000);
    expect(h.sent.length).toBeGreaterThan(inFirstWindow);
    // Heartbeats still go out when the user budget is spent.
    expect(h.sent.some((p) => p.op === 1)).toBe(true);
  });

  it('never puts the token in a debug message or any event', () => {
    const h = new Harness();
    h.started().server({ op: 7 });
    h.advance(5000).open().hello().closed(4000).advance(5000).closed(4004);
    expect(JSON.stringify(h.events)).not.toContain(TOKEN);
    expect(JSON.stringify(h.urls)).not.toContain(TOKEN);
  });
});

describe('HELLO validation', () => {
  it.each([
    ['1e-6 (would beat every millisecond)', 1e-6],
    ['below the floor', 999],
    ['zero', 0],
    ['negative', -41_250],
    ['beyond setTimeout (2^31 ms)', 2 ** 31],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['NaN', Number.NaN],
    ['a string', '41250'],
    ['missing', undefined],
  ])('rejects heartbeat_interval %s: typed error, reconnect, no heartbeat timer', (_name, interval) => {
    const h = new Harness();
    h.input({ type: 'start' }).open();
    h.server({ op: GatewayOpcodes.HELLO, d: interval === undefined ? {} : { heartbeat_interval: interval } });
    const [error] = h.ofType('inboundError');
    expect(error?.error).toBeInstanceOf(GatewayInboundError);
    expect(error?.error.code).toBe('GATEWAY_DECODE_FAILED');
    expect(error?.error.message).toMatch(/malformed HELLO/);
    expect(h.timers.has('heartbeat')).toBe(false);
    expect(h.identifyRequests).toBe(0);
    expect(h.closes.at(-1)?.code).toBe(4900);
    expect(h.ofType('reconnecting')).toHaveLength(1);
    // The next connection with a sane HELLO proceeds.
    h.advance(h.ofType('reconnecting')[0]!.delayMs).open().hello(41_250);
    expect(h.identifyRequests).toBe(1);
    expect(h.timers.get('heartbeat')).toBeLessThanOrEqual(h.now + 41_250);
  });

  it('accepts a lower floor when configured (fast test servers)', () => {
    const h = new Harness({ minHeartbeatIntervalMs: 50 });
    h.input({ type: 'start' }).open().hello(300);
    expect(h.ofType('inboundError')).toHaveLength(0);
    expect(h.identifyRequests).toBe(1);
  });
});

describe('losses are events, not only counters', () => {
  it('a sequence gap inside a session emits sequenceGap {expected, got}', () => {
    const h = new Harness();
    h.started().dispatch(2).dispatch(5).dispatch(6).dispatch(9);
    expect(h.ofType('sequenceGap')).toEqual([
      { type: 'sequenceGap', expected: 3, got: 5 },
      { type: 'sequenceGap', expected: 7, got: 9 },
    ]);
    // A new session restarting at 1 is not a gap.
    h.server({ op: 9, d: false });
    h.advance(5000).open().hello().ready('sess-2', 1);
    h.dispatch(2);
    expect(h.ofType('sequenceGap')).toHaveLength(2);
  });

  it('sends beyond the queue cap drop the oldest with sendDropped {op, reason}', () => {
    const h = new Harness({ maxQueuedSends: 3 });
    h.input({ type: 'start' }).open().hello();
    h.input({ type: 'send', payload: { op: 3, d: 'a' } });
    h.input({ type: 'send', payload: { op: 4, d: 'b' } });
    h.input({ type: 'send', payload: { op: 8, d: 'c' } });
    expect(h.ofType('sendDropped')).toHaveLength(0);
    h.input({ type: 'send', payload: { op: 31, d: 'd' } });
    h.input({ type: 'send', payload: { op: 3, d: 'e' } });
    expect(h.ofType('sendDropped')).toEqual([
      { type: 'sendDropped', op: 3, reason: 'queueFull' },
      { type: 'sendDropped', op: 4, reason: 'queueFull' },
    ]);
    h.ready();
    expect(h.sent.filter((p) => p.op !== 2).map((p) => p.d)).toEqual(['c', 'd', 'e']);
    h.input({ type: 'stop' });
    h.input({ type: 'send', payload: { op: 3, d: 'late' } });
    expect(h.ofType('sendDropped').at(-1)).toEqual({ type: 'sendDropped', op: 3, reason: 'stopped' });
    expect(h.core.stats.sendsDropped).toBe(3);
  });
});

describe('hostile values from the server', () => {
  it.each([
    ['not a URL', 'not a url'],
    ['an http URL', 'https://resume.test/'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['empty', ''],
    ['a number', 42],
    ['too long', `wss://${'a'.repeat(3000)}.test/`],
  ])('a READY whose resume_gateway_url is %s is refused on arrival, never used later', (_name, url) => {
    const h = new Harness();
    h.input({ type: 'start' }).open().hello();
    h.server({ op: 0, t: 'READY', s: 1, d: { v: 10, session_id: 'sess-1', resume_gateway_url: url } });
    const [error] = h.ofType('inboundError');
    expect(error?.error).toBeInstanceOf(GatewayInboundError);
    expect(error?.error.code).toBe('GATEWAY_DECODE_FAILED');
    expect(error?.error.message).toMatch(/resume_gateway_url/);
    expect(h.ofType('ready')).toHaveLength(0);
    expect(h.core.session).toBeNull();
    expect(h.closes.at(-1)?.code).toBe(4900);
    // Every later timer runs without throwing, and the next connection identifies afresh at the
    // configured URL.
    expect(() => h.advance(120_000)).not.toThrow();
    expect(h.urls.at(-1)).toBe('wss://gateway.test/?v=10&encoding=json');
    h.open().hello().ready();
    expect(h.ofType('ready')).toHaveLength(1);
  });

  it.each([
    ['an empty session_id', { v: 10, session_id: '', resume_gateway_url: 'wss://r.test/' }],
    ['a session_id that is no string', { v: 10, session_id: 7, resume_gateway_url: 'wss://r.test/' }],
    ['an absurd session_id', { v: 10, session_id: 'x'.repeat(10_000), resume_gateway_url: 'wss://r.test/' }],
    ['no d at all', null],
  ])('a READY with %s is a typed error and a fresh identify', (_name, d) => {
    const h = new Harness();
    h.input({ type: 'start' }).open().hello();
    h.server({ op: 0, t: 'READY', s: 1, d });
    expect(h.ofType('inboundError')[0]?.error.code).toBe('GATEWAY_DECODE_FAILED');
    expect(h.core.session).toBeNull();
    expect(() => h.advance(120_000)).not.toThrow();
  });

  it('a stored session with an unusable resume URL is ignored, not connected to', () => {
    const h = new Harness();
    h.input({
      type: 'start',
      session: { sessionId: 'old', resumeGatewayUrl: 'nope', sequence: 41, shardId: 0, shardCount: 1 },
    });
    expect(h.urls).toEqual(['wss://gateway.test/?v=10&encoding=json']);
    h.open().hello();
    expect(h.lastSent().op).toBe(2);
  });

  it('refuses a configured gateway URL that is not ws(s) at construction, not from a timer', () => {
    expect(() => new Harness({ gatewayUrl: 'http://x.test/' })).toThrow(/gatewayUrl/);
    expect(() => new Harness({ gatewayUrl: '::' })).toThrow(/gatewayUrl/);
  });

  it.each([
    ['above 2^53', 2 ** 60],
    ['not an integer', 2.5],
    ['negative', -1],
    ['a string', '7'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('a dispatch whose s is %s is a protocol error; later dispatches still flow', (_name, s) => {
    const h = new Harness();
    h.started().dispatch(2);
    h.server({ op: 0, t: 'MESSAGE_CREATE', s: s as number, d: {} });
    expect(h.ofType('inboundError')[0]?.error.code).toBe('GATEWAY_DECODE_FAILED');
    expect(h.ofType('inboundError')[0]?.error.message).toMatch(/sequence/);
    expect(h.core.sequence).toBe(2);
    // The shard resumes from the last good sequence and delivers what follows.
    h.advance(h.ofType('reconnecting').at(-1)!.delayMs).open().hello();
    expect(h.lastSent()).toEqual({ op: 6, d: { token: TOKEN, session_id: 'sess-1', seq: 2 } });
    h.server({ op: 0, t: 'RESUMED', s: 3, d: {} }).dispatch(4).dispatch(5);
    const ns = h
      .ofType('dispatch')
      .filter((e) => e.t === 'MESSAGE_CREATE')
      .map((e) => e.s);
    expect(ns).toEqual([2, 4, 5]);
  });
});

describe('op 7 storms', () => {
  it('backs off (jittered exponential) and gives up with a typed fatal after the bound', () => {
    const h = new Harness({ maxReconnectRequests: 5, backoff: { firstMs: 500, baseMs: 1000, maxMs: 8000 } });
    h.rand = 1;
    h.started();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      h.server({ op: 7 });
      delays.push(h.ofType('reconnecting').at(-1)!.delayMs);
      h.advance(delays.at(-1)!)
        .open()
        .hello()
        .server({ op: 0, t: 'RESUMED', s: 2 + i, d: {} });
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(h.ofType('fatal')).toHaveLength(0);
    h.server({ op: 7 });
    const [fatal] = h.ofType('fatal');
    expect(fatal?.error).toBeInstanceOf(GatewayReconnectLimitError);
    expect(fatal?.error.code).toBe('GATEWAY_RECONNECT_LIMIT');
    expect(h.core.state).toBe('fatal');
    const connects = h.urls.length;
    h.advance(600_000);
    expect(h.urls).toHaveLength(connects);
  });

  it('jitters the storm backoff so shards do not reconnect in lockstep', () => {
    const delaysFor = (rand: number) => {
      const h = new Harness({ backoff: { baseMs: 1000, maxMs: 60_000 } });
      h.rand = rand;
      h.started();
      h.server({ op: 7 }).advance(h.ofType('reconnecting').at(-1)!.delayMs);
      h.open().hello().server({ op: 0, t: 'RESUMED', s: 2, d: {} });
      h.server({ op: 7 });
      return h.ofType('reconnecting').at(-1)!.delayMs;
    };
    expect(delaysFor(0)).toBe(1000);
    expect(delaysFor(1)).toBe(2000);
  });

  it('an op 7 after a connection that stayed healthy reconnects at once and resets the count', () => {
    const h = new Harness({ maxReconnectRequests: 2 });
    h.rand = 0;
    h.started();
    for (let i = 0; i < 10; i++) {
      // A healthy connection: READY/RESUMED for a heartbeat interval, beats acknowledged.
      h.advance(0).server({ op: 11 }).advance(1000).server({ op: 11 });
      h.server({ op: 7 });
      expect(h.ofType('reconnecting').at(-1)!.delayMs).toBe(0);
      h.advance(0)
        .open()
        .hello()
        .server({ op: 0, t: 'RESUMED', s: 2 + i, d: {} });
    }
    expect(h.ofType('fatal')).toHaveLength(0);
  });

  it('a server that closes every connection right after READY is backed off too', () => {
    const h = new Harness({ backoff: { firstMs: 500, baseMs: 1000, maxMs: 8000 } });
    h.rand = 1;
    h.started();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      h.closed(4000);
      delays.push(h.ofType('reconnecting').at(-1)!.delayMs);
      h.advance(delays.at(-1)!)
        .open()
        .hello()
        .server({ op: 0, t: 'RESUMED', s: 2 + i, d: {} });
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
  });
});

/** Moves the clock in steps, acknowledging every beat, so the connection stays up. */
function waitAcking(h: Harness, ms: number): void {
  for (let t = 0; t < ms; t += 500) h.advance(Math.min(500, ms - t)).server({ op: 11 });
}

describe('op 1 storms', () => {
  it('answers every op 1 without ever exceeding 120 sends in a 60 s span', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('op1' as const), burst: fc.integer({ min: 1, max: 300 }) }),
            fc.record({ kind: fc.constant('user' as const), burst: fc.integer({ min: 1, max: 50 }) }),
            fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
          ),
          { maxLength: 60 },
        ),
        fc.integer({ min: 1000, max: 45_000 }),
        (steps, interval) => {
          const h = new Harness();
          h.rand = 0.5;
          h.input({ type: 'start' }).open().hello(interval).ready();
          const sendTimes: number[] = [];
          const record = () => {
            while (sendTimes.length < h.sent.length) sendTimes.push(h.now);
          };
          record();
          let lastRequestAt = -1;
          for (const step of steps) {
            if (step.kind === 'op1') {
              for (let i = 0; i < step.burst; i++) h.server({ op: 1 });
              lastRequestAt = h.now;
            } else if (step.kind === 'user') {
              for (let i = 0; i < step.burst; i++) h.input({ type: 'send', payload: { op: 3, d: i } });
            } else {
              waitAcking(h, step.ms);
            }
            record();
          }
          // Give the pending reply (at most one) its chance.
          waitAcking(h, 60_000);
          record();
          expect(h.core.state).toBe('ready');
          for (let i = 0; i < sendTimes.length; i++) {
            let inSpan = 0;
            for (const t of sendTimes) if (t >= sendTimes[i]! && t < sendTimes[i]! + 60_000) inSpan++;
            expect(inSpan).toBeLessThanOrEqual(120);
          }
          // The last request was answered: a heartbeat went out at or after it.
          const lastBeatAt = Math.max(-1, ...h.sent.flatMap((p, i) => (p.op === 1 ? [sendTimes[i]!] : [])));
          expect(lastBeatAt).toBeGreaterThanOrEqual(lastRequestAt);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('coalesces a burst into one pending reply once the window is full', () => {
    const h = new Harness();
    h.started();
    h.sent.length = 0;
    for (let i = 0; i < 1000; i++) h.server({ op: 1 });
    const replies = h.sent.filter((p) => p.op === 1).length;
    // The window keeps room for the own beats (one a second at interval 1000) and a resume.
    expect(replies).toBeLessThanOrEqual(120 - 60 - 1);
    expect(replies).toBeGreaterThan(0);
    expect(h.timers.has('heartbeatReply')).toBe(true);
    h.advance(60_000);
    expect(h.sent.filter((p) => p.op === 1).length).toBeGreaterThan(replies);
  });
});

describe('any server input never throws out of the core', () => {
  const hostileValue = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.constant(2 ** 60),
    fc.string({ maxLength: 20 }),
    fc.constant('not a url'),
    fc.constant('wss://ok.test/'),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.double())),
  );
  const payload = fc.record({
    op: fc.oneof(fc.constantFrom(0, 1, 7, 9, 10, 11), fc.integer({ min: -5, max: 50 })),
    s: hostileValue,
    t: fc.oneof(fc.constantFrom('READY', 'RESUMED', 'MESSAGE_CREATE'), hostileValue),
    d: fc.oneof(
      hostileValue,
      fc.record({ heartbeat_interval: hostileValue }),
      fc.record({ v: fc.constant(10), session_id: hostileValue, resume_gateway_url: hostileValue }),
    ),
  });
  it('fuzzed payloads, closes and timers: no throw, and every connect URL is a ws(s) URL', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            payload.map((p) => ({ kind: 'payload' as const, p })),
            fc.integer({ min: 0, max: 70_000 }).map((ms) => ({ kind: 'wait' as const, ms })),
            fc.constantFrom(1000, 1006, 4000, 4007, 4009).map((code) => ({ kind: 'close' as const, code })),
            fc.constant({ kind: 'open' as const }),
            // The well-formed steps of a handshake, so that hostile values reach every state.
            fc.constant({ kind: 'hello' as const }),
            fc
              .record({ url: fc.oneof(fc.constant('wss://r.test/'), hostileValue), s: hostileValue })
              .map((r) => ({ kind: 'ready' as const, ...r })),
          ),
          { maxLength: 80 },
        ),
        (steps) => {
          const h = new Harness({ minHeartbeatIntervalMs: 1 });
          h.input({ type: 'start' });
          for (const step of steps) {
            if (step.kind === 'payload') h.server(step.p as never);
            else if (step.kind === 'wait') h.advance(step.ms);
            else if (step.kind === 'close') h.closed(step.code);
            else if (step.kind === 'hello') h.hello();
            else if (step.kind === 'ready')
              h.server({
                op: 0,
                t: 'READY',
                s: step.s as number,
                d: { session_id: 'x', resume_gateway_url: step.url },
              });
            else h.open();
          }
          h.advance(600_000);
          for (const url of h.urls) expect(new URL(url).protocol).toMatch(/^wss?:$/);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('op 9 storms', () => {
  it('op 9 on every identify: the wait grows past the 1-5 s of the docs, up to backoff.maxMs', () => {
    const h = new Harness({ invalidSessionDelayMs: [1000, 5000], backoff: { baseMs: 1000, maxMs: 60_000 } });
    h.rand = 1;
    h.input({ type: 'start' });
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      h.open().hello();
      expect(h.lastSent().op).toBe(2);
      h.server({ op: 9, d: false });
      delays.push(h.ofType('reconnecting').at(-1)!.delayMs);
      h.advance(delays.at(-1)!);
    }
    expect(delays).toEqual([5000, 5000, 5000, 8000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('an op 9 on a healthy connection waits the documented 1-5 s', () => {
    const h = new Harness({ invalidSessionDelayMs: [1000, 5000] });
    h.rand = 0;
    h.started();
    h.advance(0).server({ op: 11 }).advance(1000).server({ op: 11 });
    h.server({ op: 9, d: true });
    expect(h.ofType('reconnecting').at(-1)!.delayMs).toBe(1000);
  });
});
