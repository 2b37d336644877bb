import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared';

// Packing, one npm install and one tsc run happen once, before the tests (beforeAll); on a shared
// 2-core machine with a cold npm cache that can take a few minutes.
export default mergeConfig(
  sharedConfig,
  defineConfig({ test: { hookTimeout: 600_000, testTimeout: 120_000 } }),
);
