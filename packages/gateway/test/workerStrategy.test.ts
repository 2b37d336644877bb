import type { Emulator } from '@cordwire/emulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  GatewayFatalCloseError,
  InMemoryIdentifyQueue,
  MemorySessionStore,
  type ShardEventSink,
  ShardManager,
  workerThreadsStrategy,
} from '../src/index.js';
import { emulator, fastTimers, once, waitFor } from './helpers.js';

// Shards in worker threads: the same manager, identify queue and session store, with the
// sockets off the main thread. From source the worker needs the TypeScript loader.
const workerUrl = new URL('./fixtures/tsShardWorker.mjs', import.meta.url);

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({ shards: 4, maxConcurrency: 2, heartbeatIntervalMs: 30_000 });
});
afterAll(async () => {
  await emu.close();
});

describe('worker_threads strategy', () => {
  it('runs 4 shards in 2 workers: identify order, dispatches, resume, fatal errors keep their class', async () => {
    const strategy = workerThreadsStrategy({
      shardsPerWorker: 2,
      workerUrl,
      execArgv: ['--conditions=cordwire-source'],
    });
    const store = new MemorySessionStore();
    const manager = new ShardManager({
      token: emu.token,
      intents: 1 | 512 | 4096 | 32768,
      restUrl: emu.restUrl,
      identifySpacingMs: 50,
      sessionStore: store,
      strategy,
      ...fastTimers,
    });
    try {
      const ns: number[] = [];
      manager.on('dispatch', (e) => {
        if (e.t === 'MESSAGE_CREATE') ns.push((e.d as { n: number }).n);
      });
      await manager.connect();
      const log = emu.control.identifyLog().map((e) => e.shard[0]);
      expect(log.slice(0, 2).sort()).toEqual([0, 1]);
      expect(log.slice(2).sort()).toEqual([2, 3]);
      await waitFor(() => [0, 1, 2, 3].every((id) => store.get(id) !== null), 20_000, 'sessions stored');

      const stream = emu.control.startStream({ ratePerSecond: 2000, count: 50 });
      await stream.done;
      await waitFor(() => ns.length === 50, 20_000, 'stream');
      expect(ns).toEqual(Array.from({ length: 50 }, (_, i) => i));

      const resumed = once(manager, 'resumed');
      emu.control.reconnect(store.get(0)!.sessionId);
      expect((await resumed).shardId).toBe(0);

      const fatal = once(manager, 'fatal');
      emu.control.closeConnection(4014, 'disallowed', store.get(1)!.sessionId);
      const { error, shardId } = await fatal;
      expect(shardId).toBe(1);
      expect(error).toBeInstanceOf(GatewayFatalCloseError);
      expect((error as GatewayFatalCloseError).closeCode).toBe(4014);
    } finally {
      manager.destroy();
      await strategy.close();
    }
  });
});

describe('worker_threads strategy used without a manager', () => {
  it('shards spawned without a queue share one identify queue per strategy', async () => {
    const strategy = workerThreadsStrategy({ workerUrl, execArgv: ['--conditions=cordwire-source'] });
    const asked = vi.spyOn(InMemoryIdentifyQueue.prototype, 'waitForIdentify');
    const ready: number[] = [];
    const sink = ((name: string, e: { shardId: number }) => {
      if (name === 'ready') ready.push(e.shardId);
    }) as ShardEventSink;
    const handles = [0, 1].map((shardId) =>
      strategy.spawn(
        shardId,
        { token: emu.token, intents: 1, gatewayUrl: emu.gatewayUrl, shardId, shardCount: 2, ...fastTimers },
        sink,
      ),
    );
    try {
      await handles[0]!.connect();
      void handles[1]!.connect();
      await waitFor(
        () => asked.mock.calls.length === 2 && ready.includes(0),
        // Generous: a worker thread compiles the TypeScript sources first, slow on a loaded machine.
        20_000,
        'both shards to ask the queue',
      );
      // One queue instance served both. (Its 5 s spacing is proven on a manual clock in
      // sharding.test.ts; here the second worker may start more than 5 s after the first.)
      expect(asked.mock.instances[0]).toBe(asked.mock.instances[1]);
      // Which worker reaches the queue first depends on thread start-up, so compare as a set.
      expect(asked.mock.calls.map((c) => c[0]).sort()).toEqual([0, 1]);
    } finally {
      asked.mockRestore();
      for (const h of handles) h.destroy();
      await strategy.close();
    }
  });
});

describe('worker_threads strategy failures', () => {
  it('a worker that dies is a fatal GATEWAY_WORKER_FAILED on its shards, not a crash', async () => {
    const strategy = workerThreadsStrategy({
      workerUrl: new URL('./fixtures/throwingWorker.mjs', import.meta.url),
    });
    const manager = new ShardManager({
      token: emu.token,
      intents: 513,
      restUrl: emu.restUrl,
      strategy,
      ...fastTimers,
    });
    const fatal: Array<{ shardId: number; code: string }> = [];
    manager.on('fatal', (e) => fatal.push({ shardId: e.shardId, code: e.error.code }));
    try {
      await manager.connect();
      expect(fatal.sort((a, b) => a.shardId - b.shardId)).toEqual(
        [0, 1, 2, 3].map((shardId) => ({ shardId, code: 'GATEWAY_WORKER_FAILED' })),
      );
    } finally {
      manager.destroy();
      await strategy.close();
    }
  });
});
