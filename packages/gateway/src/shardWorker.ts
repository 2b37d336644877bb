/**
 * Entry point of a shard worker thread (workerStrategy.ts). Runs Shards with the ordinary shell
 * and relays their events; identify permission and session storage are asked of the main thread.
 */
import { parentPort } from 'node:worker_threads';
import type { UserSendOpcode } from './payloads.js';
import type { SessionInfo } from './shardCore.js';
import { SHARD_EVENT_NAMES, Shard } from './shard.js';
import type { FromWorker, SerializedError, ToWorker } from './workerProtocol.js';

const port = parentPort;
if (!port) throw new Error('shardWorker must run in a worker thread');

const shards = new Map<number, Shard>();
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextId = 1;

function post(message: FromWorker): void {
  port!.postMessage(message);
}

function ask(message: (id: number) => FromWorker): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    post(message(id));
  });
}

function serializeError(e: unknown): SerializedError {
  const x = e as Record<string, unknown>;
  return {
    name: String(x.name ?? 'Error'),
    message: String(x.message ?? e),
    code: typeof x.code === 'string' ? x.code : undefined,
    closeCode: typeof x.closeCode === 'number' ? x.closeCode : undefined,
    reason: typeof x.reason === 'string' ? x.reason : undefined,
    stage: typeof x.stage === 'string' ? x.stage : undefined,
    afterMs: typeof x.afterMs === 'number' ? x.afterMs : undefined,
  };
}

const EVENTS = SHARD_EVENT_NAMES;

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'spawn': {
      const shard = new Shard({
        ...m.options,
        identifyQueue: {
          waitForIdentify: async (shardId, signal) => {
            await ask((id) => ({ type: 'identify', id, shardId }));
            if (signal?.aborted) throw signal.reason;
          },
        },
        sessionStore: {
          get: (shardId) => ask((id) => ({ type: 'sessionGet', id, shardId })) as Promise<SessionInfo | null>,
          set: async (shardId, session) => {
            await ask((id) => ({ type: 'sessionSet', id, shardId, session }));
          },
        },
      });
      for (const name of EVENTS) {
        (shard.on as (n: string, l: (e: Record<string, unknown>) => void) => Shard)(name, (e) => {
          const event = 'error' in e ? { ...e, error: serializeError(e.error) } : e;
          post({ type: 'event', name, event });
        });
      }
      shards.set(m.shardId, shard);
      return;
    }
    case 'connect':
      void shards
        .get(m.shardId)
        ?.connect()
        .then(() => post({ type: 'connected', shardId: m.shardId }));
      return;
    case 'send':
      shards.get(m.shardId)?.send(m.op as UserSendOpcode, m.d as never);
      return;
    case 'destroy':
      shards.get(m.shardId)?.destroy({ resumable: m.resumable });
      shards.delete(m.shardId);
      return;
    case 'reply': {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (!p) return;
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error ?? 'main thread refused'));
      return;
    }
  }
});
