// The published build bundles our patched ts-mls (patches/ts-mls@1.6.4.patch at the repo root) into
// dist, so a user installing @cordwire/dave-mls from npm runs the fixed code and never the stock 1.6.4
// (which encodes external_senders wrongly for Discord). ts-mls is MIT: the banner and
// THIRD_PARTY_NOTICES.md (in `files`) carry its notice. ts-mls's own runtime dependencies stay real
// dependencies. Its optional backends (post-quantum, X448, ChaCha20-Poly1305) are not our dependencies
// and ciphersuite 2 never reaches them, so their specifiers resolve to src/unsupportedBackend.ts, which
// throws a typed error: no bundler downstream has to find packages nobody installed.
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';
import { packageBuild } from '../../tsup.shared';

const OPTIONAL_BACKENDS =
  /^(?:@hpke\/(?:chacha20poly1305|dhkem-x448|ml-kem|hybridkem-x-wing)|@noble\/post-quantum)(?:\/.*)?$/;
const UNSUPPORTED_BACKEND = fileURLToPath(new URL('./src/unsupportedBackend.ts', import.meta.url));

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];
const stubOptionalBackends: EsbuildPlugin = {
  name: 'dave-mls-unsupported-backends',
  setup(build) {
    build.onResolve({ filter: OPTIONAL_BACKENDS }, () => ({ path: UNSUPPORTED_BACKEND }));
  },
};

const BANNER =
  '/*! @cordwire/dave-mls (MIT). Contains a modified copy of ts-mls 1.6.4, MIT License, ' +
  'Copyright (c) 2025 Luka Jacobowitz: see THIRD_PARTY_NOTICES.md in this package. */';

// Dual ESM + CommonJS like every package (tsup.shared.ts); both builds carry the patched ts-mls.
export default defineConfig(
  packageBuild(new URL('.', import.meta.url), {
    both: {
      splitting: false,
      banner: { js: BANNER },
      // noExternal is matched before external in tsup, so the optional backends reach the plugin above.
      noExternal: ['ts-mls', OPTIONAL_BACKENDS],
      external: ['@hpke/core', /^@noble\/(?:ciphers|curves|hashes)(?:\/|$)/, '@cordwire/opcodes'],
      esbuildPlugins: [stubOptionalBackends],
      dts: { entry: { index: 'src/index.ts' }, resolve: ['ts-mls', /^\./], banner: BANNER },
    },
  }),
);
