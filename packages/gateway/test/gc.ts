// A full garbage collection for memory tests: vitest's workers run without --expose-gc, so the
// flag is set at run time and `gc` fetched from a fresh context (V8 installs it there).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export function collectGarbage(): void {
  gc();
  gc();
}
