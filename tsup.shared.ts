// The published build of every package (packages/README.md, "Building"): ESM (dist/index.js) and
// CommonJS (dist/index.cjs) from the same src/index.ts, each with its declarations (index.d.ts,
// index.d.cts), so `import` and `require()` see the same exports and the same types.
//
// - No source maps: they would point at src/, which is not published.
// - The CommonJS build inlines dependencies that ship only ESM (the @noble packages): `require()` of
//   an ES module needs Node 20.19, and the packages promise Node 20. The ESM build keeps them external.
// - Extra ESM-only entries: command-line bins (`cli`) and files loaded by URL at run time (`workers`,
//   e.g. a worker thread's script next to index.js, which the CommonJS build finds through tsup's
//   import.meta.url shim).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Options } from 'tsup';

export interface PackageBuildOptions {
  /** Bins and other files that run as their own ES module, e.g. `['src/cli.ts']`. */
  esmOnly?: string[];
  /** Extra public entries (subpath exports such as `./testing`), built in both formats with types. */
  entries?: string[];
  /** Overrides merged into both builds (dave-mls adds its bundling of ts-mls here). */
  both?: Partial<Options>;
  /** Extra patterns the CommonJS build inlines on top of the ESM-only dependencies. */
  cjsNoExternal?: (string | RegExp)[];
}

/** `packageDir` is the package's directory URL: `new URL('.', import.meta.url)` in its tsup.config.ts. */
export function packageBuild(packageDir: URL, options: PackageBuildOptions = {}): Options[] {
  const dir = fileURLToPath(packageDir);
  // Clean once, before both builds start (they run concurrently, so neither may clean on its own).
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  const common: Options = {
    target: 'node20',
    platform: 'node',
    outDir: 'dist',
    clean: false,
    sourcemap: false,
    tsconfig: 'tsconfig.build.json',
    dts: { entry: { index: 'src/index.ts', ...entries(options.entries ?? []) } },
    ...options.both,
  };
  const both = options.both ?? {};
  const noExternal = (both.noExternal ?? []) as (string | RegExp)[];
  return [
    {
      ...common,
      format: 'esm',
      entry: { index: 'src/index.ts', ...entries(options.entries ?? []), ...entries(options.esmOnly ?? []) },
    },
    {
      ...common,
      format: 'cjs',
      entry: { index: 'src/index.ts', ...entries(options.entries ?? []) },
      shims: true,
      noExternal: [...noExternal, ...esmOnlyDependencies(dir), ...(options.cjsNoExternal ?? [])],
    },
  ];
}

function entries(files: string[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f.replace(/^src\//, '').replace(/\.ts$/, ''), f]));
}

/** Dependencies that offer no CommonJS entry (`"type": "module"` and no `require` condition). */
function esmOnlyDependencies(dir: string): RegExp[] {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const out: RegExp[] = [];
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    const dep = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as {
      type?: string;
      main?: string;
      exports?: unknown;
    };
    const exportsText = JSON.stringify(dep.exports ?? null);
    const hasCjs = dep.type !== 'module' || exportsText.includes('"require"') || /\.cjs\b/.test(exportsText);
    if (!hasCjs) out.push(new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?:/|$)`));
  }
  return out;
}
