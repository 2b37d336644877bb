/** Starts the replay server thread and talks to it; `close()` ends the thread (nothing left running). */
import { startWorker } from '../worker.js';
import type { Compression, Encoding } from './encodedStream.js';

export interface ReplayHost {
  /** ws://127.0.0.1:port, without query */
  readonly url: string;
  prepare(encoding: Encoding, compression: Compression): Promise<{ bytes: number; frames: number }>;
  close(): Promise<void>;
}

export async function startReplayServer(): Promise<ReplayHost> {
  const worker = startWorker(new URL('./replayServer.ts', import.meta.url));
  const { port } = await worker.next<{ port: number }>('listening');
  return {
    url: `ws://127.0.0.1:${port}`,
    prepare: (encoding, compression) =>
      worker.request({ type: 'prepare', encoding, compression }, 'prepared'),
    close: () => worker.close(),
  };
}
