// The bot token must not be reachable by inspecting or serialising any object that holds it:
// Shard, its ShardCore, ShardManager, the worker strategy and its handles, and every event they
// emit (debug log included). util.inspect with showHidden also lists non-enumerable properties.
import type { Emulator } from '@cordwire/emulator';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Shard, ShardCore, ShardManager, workerThreadsStrategy } from '../src/index.js';
import { emulator, fastTimers, once } from './helpers.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({ shards: 2, maxConcurrency: 2, heartbeatIntervalMs: 30_000 });
});
afterAll(async () => {
  await emu.close();
});

/** JSON.stringify that survives cycles (sockets, emitters) by writing "[cycle]" instead. */
function stringify(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return String(v);
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
    }
    return v;
  });
}

function exposures(value: unknown, token: string): string[] {
  const found: string[] = [];
  if (inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }).includes(token)) {
    found.push('inspect');
  }
  // Getters run too: a getter that returned the token would show here.
  if (inspect(value, { depth: 12, showHidden: true, getters: true }).includes(token)) {
    found.push('inspect with getters');
  }
  if (stringify(value).includes(token)) found.push('JSON');
  return found;
}

/** Records every event a manager emits, rendered as inspect would print it. */
function recordEvents(manager: ShardManager): string[] {
  const rendered: string[] = [];
  const emit = manager.emit.bind(manager) as (name: string, ...args: unknown[]) => boolean;
  (manager as { emit: unknown }).emit = (name: string, ...args: unknown[]) => {
    rendered.push(`${name} ${inspect(args, { depth: Number.POSITIVE_INFINITY, showHidden: true })}`);
    return emit(name, ...args);
  };
  return rendered;
}

describe('the bot token is unreachable by inspection', () => {
  it('Shard and ShardCore, before connecting', () => {
    const token = 'Bot-TOKEN-never-print-me.abc123';
    const shard = new Shard({ token, intents: 1, gatewayUrl: 'ws://127.0.0.1:1' });
    const core = new ShardCore({ token, intents: 1, gatewayUrl: 'ws://127.0.0.1:1' });
    expect(exposures(shard, token)).toEqual([]);
    expect(exposures(core, token)).toEqual([]);
    // ...and the token is still what IDENTIFY sends (the core has not lost it).
    core.handle({ type: 'start' });
    core.handle({ type: 'open', conn: 1 });
    core.handle({ type: 'payload', conn: 1, payload: { op: 10, d: { heartbeat_interval: 1000 } } });
    const sent = core.handle({ type: 'identifyGranted', conn: 1 }).find((a) => a.type === 'send');
    expect(sent?.type === 'send' && (sent.payload.d as { token: string }).token).toBe(token);
  });

  it('ShardManager and its shards, connected in process, with every event they emitted', async () => {
    const manager = new ShardManager({
      token: emu.token,
      intents: 1 | 512,
      restUrl: emu.restUrl,
      identifySpacingMs: 10,
      ...fastTimers,
    });
    const events = recordEvents(manager);
    try {
      await manager.connect();
      expect(exposures(manager, emu.token)).toEqual([]);
      for (const id of [0, 1]) {
        expect(manager.shard(id)?.state).toBe('ready');
        expect(exposures(manager.shard(id), emu.token)).toEqual([]);
      }
      expect(events.some((e) => e.startsWith('ready'))).toBe(true);
      expect(events.filter((e) => e.includes(emu.token))).toEqual([]);
    } finally {
      manager.destroy();
    }
  });

  it('the worker strategy, its handles and the events (debug log included) that cross from workers', async () => {
    const strategy = workerThreadsStrategy({
      shardsPerWorker: 2,
      workerUrl: new URL('./fixtures/tsShardWorker.mjs', import.meta.url),
      execArgv: ['--conditions=cordwire-source'],
    });
    const manager = new ShardManager({
      token: emu.token,
      intents: 1 | 512,
      restUrl: emu.restUrl,
      identifySpacingMs: 10,
      strategy,
      ...fastTimers,
    });
    const events = recordEvents(manager);
    const sessions: string[] = [];
    manager.on('ready', (e) => sessions.push(e.sessionId));
    try {
      await manager.connect();
      // An op 7 makes the worker's shard log (debug) and RESUME (which carries the token).
      const resumed = once(manager, 'resumed');
      emu.control.reconnect(sessions[0]!);
      await resumed;
      expect(events.some((e) => e.startsWith('debug') && e.includes('op 7'))).toBe(true);
      expect(events.filter((e) => e.includes(emu.token))).toEqual([]);
      expect(exposures(manager, emu.token)).toEqual([]);
      expect(exposures(strategy, emu.token)).toEqual([]);
    } finally {
      manager.destroy();
      await strategy.close();
    }
  });
});
