/** Starts the replay server thread and talks to it; `close()` ends the thread (nothing left running). */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Compression, Encoding } from './encodedStream.js';

export interface ReplayHost {
  /** ws://127.0.0.1:port, without query */
  readonly url: string;
  prepare(encoding: Encoding, compression: Compression): Promise<{ bytes: number; frames: number }>;
  close(): Promise<void>;
}

export async function startReplayServer(): Promise<ReplayHost> {
  // The worker inherits --conditions=source; replayWorker.mjs registers tsx for it.
  const worker = new Worker(new URL('./replayWorker.mjs', import.meta.url));
  const next = async <T>(type: string): Promise<T> => {
    for (;;) {
      const [message] = (await once(worker, 'message')) as [{ type: string } & T];
      if (message.type === type) return message;
    }
  };
  const { port } = await next<{ port: number }>('listening');
  return {
    url: `ws://127.0.0.1:${port}`,
    async prepare(encoding, compression) {
      worker.postMessage({ type: 'prepare', encoding, compression });
      return next<{ bytes: number; frames: number }>('prepared');
    },
    async close() {
      worker.postMessage({ type: 'close' });
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await once(worker, 'exit');
      clearTimeout(timer);
    },
  };
}
