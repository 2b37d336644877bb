// Shared vitest settings for every package. Packages import each other through their
// public entry points; the `cordwire-source` export condition lets tests run against src/ without
// a build, while published consumers resolve dist/.
import { defineConfig } from 'vitest/config';

export const sharedConfig = defineConfig({
  resolve: { conditions: ['cordwire-source', 'import', 'module', 'node', 'default'] },
  ssr: { resolve: { conditions: ['cordwire-source', 'import', 'module', 'node', 'default'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Every test uses real sockets on loopback; keep the pool small on 2-core machines.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: process.env.CORDWIRE_RESULT_JSON
      ? ['default', ['json', { outputFile: '.vitest-result.json' }]]
      : ['default'],
  },
});
