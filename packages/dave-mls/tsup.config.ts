// The published build bundles our patched ts-mls (patches/ts-mls@1.6.4.patch at the repo root) into
// dist, so a user installing @cordwire/dave-mls from npm runs the fixed code and never the stock 1.6.4
// (which encodes external_senders wrongly for Discord). ts-mls's own runtime dependencies stay real
// dependencies; its optional post-quantum and X448/ChaCha backends are never reached by ciphersuite 2.
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  splitting: false,
  noExternal: ['ts-mls'],
  external: [/^@hpke\//, /^@noble\//, '@cordwire/opcodes'],
  tsconfig: 'tsconfig.build.json',
  dts: { resolve: ['ts-mls'] },
});
