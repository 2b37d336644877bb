// Dual ESM + CommonJS build with declarations for both: see tsup.shared.ts at the repo root.
import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared';

export default defineConfig(packageBuild(new URL('.', import.meta.url)));
