/** Starts a TypeScript module of bench on a worker thread (see workerBootstrap.mjs). */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

export interface BenchWorker {
  /** send a request and wait for the first reply of type `replyType` */
  request<T>(message: { type: string } & Record<string, unknown>, replyType: string): Promise<T>;
  next<T>(type: string): Promise<T>;
  close(): Promise<void>;
}

export function startWorker(entry: URL, data: Record<string, unknown> = {}): BenchWorker {
  const worker = new Worker(new URL('./workerBootstrap.mjs', import.meta.url), {
    workerData: { ...data, entry: entry.href },
  });
  const queue: { type: string }[] = [];
  const waiters: { type: string; resolve: (m: unknown) => void; reject: (e: unknown) => void }[] = [];
  let failure: unknown;
  const settle = () => {
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!;
      const at = queue.findIndex((m) => m.type === w.type || m.type === 'error');
      if (at >= 0) {
        const [m] = queue.splice(at, 1) as [{ type: string; message?: string }];
        waiters.splice(i--, 1);
        if (m.type === 'error' && w.type !== 'error') w.reject(new Error(m.message));
        else w.resolve(m);
      } else if (failure) {
        waiters.splice(i--, 1);
        w.reject(failure);
      }
    }
  };
  worker.on('message', (m: { type: string }) => {
    queue.push(m);
    settle();
  });
  worker.on('error', (e) => {
    failure = e;
    settle();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`worker exited with code ${code}`);
    settle();
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      waiters.push({ type, resolve: resolve as (m: unknown) => void, reject });
      settle();
    });
  return {
    next,
    request(message, replyType) {
      worker.postMessage(message);
      return next(replyType);
    },
    async close() {
      worker.postMessage({ type: 'close' });
      const timer = setTimeout(() => void worker.terminate(), 3000);
      if (worker.threadId >= 0) await once(worker, 'exit').catch(() => {});
      clearTimeout(timer);
    },
  };
}
