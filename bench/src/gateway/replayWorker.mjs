// Worker bootstrap: workers do not get the main thread's `--import tsx` hooks on Node 20, so the
// TypeScript loader is registered here before the server module is imported.
import { register } from 'tsx/esm/api';

register();
await import('./replayServer.ts');
