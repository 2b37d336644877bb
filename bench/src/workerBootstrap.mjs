// Worker bootstrap: on Node 20 a worker does not get the main thread's `--import tsx` hooks, so
// the TypeScript loader is registered here before the worker's module (workerData.entry) loads.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
