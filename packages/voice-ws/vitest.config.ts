import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared';

// TEMPORARY: '@cordwire/emulator' does not export startVoiceServer yet; remove this alias
// once its index.ts does.
export default mergeConfig(
  sharedConfig,
  defineConfig({
    resolve: {
      alias: [
        {
          find: /^@cordwire\/emulator$/,
          replacement: new URL('./test/helpers/emulatorShim.ts', import.meta.url).pathname,
        },
      ],
    },
  }),
);
