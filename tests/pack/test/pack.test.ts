/**
 * What an npm user meets. Every published package under packages/ (found, not listed) is packed
 * with `pnpm pack` (as `changeset publish` would), the tarballs are installed together with npm
 * into a fresh directory outside the workspace, and there, with nothing of the monorepo in reach
 * (but @types/node, which tsc borrows from the workspace):
 * - package.json points only at files in the tarball, with repository, homepage, bugs, keywords,
 *   licence and CHANGELOG.md, and no in-repo `cordwire-source` condition;
 * - `import` and `require()` load the ESM and CommonJS builds and see the same export names;
 * - TypeScript resolves the types of both (node16: .d.ts for import, .d.cts for require);
 * - the README's first ```js example runs as it is and exits 0, importing only the package,
 *   its dependencies and Node builtins;
 * - every bin answers --help, and the gateway's worker script loads from both builds;
 * - each package with its dependencies installs in under 10 MiB (or the budget packages/README.md justifies).
 * The conventions a package follows to pass are in packages/README.md.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const self = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Manifest;

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  keywords?: string[];
  homepage?: string;
  bugs?: { url?: string };
  repository?: { type?: string; url?: string; directory?: string };
  main?: string;
  module?: string;
  types?: string;
  bin?: Record<string, string>;
  files?: string[];
  exports?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  publishConfig?: { exports?: unknown };
}

interface Published {
  dir: string;
  manifest: Manifest;
  /** Filled by beforeAll: the tarball's file list and its package.json as packed. */
  files: string[];
  packed: Manifest;
}

const published: Published[] = readdirSync(join(root, 'packages'))
  .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
  .map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest,
    files: [],
    packed: {} as Manifest,
  }))
  .filter((p) => !p.manifest.private);

let work = '';
let app = '';
let typeDiagnostics = '';

interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/**
 * Runs a command to its end (killed after `timeout` ms). Asynchronous on purpose: a blocked event
 * loop would starve vitest's own worker messages during a long npm install.
 */
function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  timeout = 300_000,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (error) => resolve({ status: null, signal: null, stdout, stderr, error }));
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

async function mustRun(what: string, command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv) {
  const r = await run(command, args, cwd, env);
  if (r.status !== 0) {
    throw new Error(
      `${what} failed (${r.error?.message ?? `exit ${r.status} ${r.signal ?? ''}`}):\n${r.stdout}\n${r.stderr}`,
    );
  }
  return r.stdout;
}

/** The pnpm that runs this test (pnpm sets npm_execpath), else the one on PATH. */
function pnpm(args: string[]): [string, string[]] {
  const execPath = process.env.npm_execpath;
  return execPath && /pnpm/.test(execPath) && /\.c?js$/.test(execPath)
    ? [process.execPath, [execPath, ...args]]
    : ['pnpm', args];
}

/** npm outside the workspace: pnpm's npm_* settings (its user agent, node-linker, ...) must not leak in. */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = /^npm_config_(registry|cache|proxy|https_proxy|noproxy|strict_ssl|cafile)$/i;
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.test(k)));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cordwire-pack-'));
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  for (const p of published) {
    const cwd = join(root, 'packages', p.dir);
    if (!existsSync(join(cwd, 'dist'))) {
      throw new Error(
        `${p.manifest.name} has no dist/: build it first (turbo builds every devDependency of this package)`,
      );
    }
    const [command, args] = pnpm(['pack', '--pack-destination', tarballs, '--json']);
    const out = await mustRun(`pnpm pack in packages/${p.dir}`, command, args, cwd);
    const info = JSON.parse(out.slice(out.indexOf('{'))) as { filename: string; files: { path: string }[] };
    p.files = info.files.map((f) => f.path);
    const tarball = info.filename.startsWith('/') ? info.filename : join(tarballs, info.filename);
    const unpacked = join(work, 'unpacked', p.dir);
    mkdirSync(unpacked, { recursive: true });
    await mustRun('tar', 'tar', ['-xzf', tarball, '-C', unpacked], work);
    p.packed = JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8')) as Manifest;
  }

  // One fresh directory, one npm install of every tarball; third-party dependencies come from the registry.
  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'cordwire-user', private: true, version: '1.0.0' }),
  );
  const tgz = readdirSync(tarballs).map((f) => join(tarballs, f));
  await mustRun(
    'npm install of the tarballs',
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tgz],
    app,
    npmEnv(),
  );

  // Types for both module systems in one tsc run: for each package an ES module (.mts, resolved with
  // the `import` condition) and a CommonJS module (.cts, `require`) import every runtime export by name.
  const req = createRequire(join(app, 'index.js'));
  const files: string[] = [];
  for (const p of published) {
    const names = Object.keys(req(p.manifest.name) as object).filter((n) => n !== 'default');
    const body = `import { ${names.join(', ')} } from '${p.manifest.name}';\nexport const used = [${names.join(', ')}];\n`;
    for (const ext of ['mts', 'cts']) {
      writeFileSync(join(app, `types-${p.dir}.${ext}`), body);
      files.push(`types-${p.dir}.${ext}`);
    }
  }
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'node16',
        moduleResolution: 'node16',
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
      },
      files,
    }),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], app);
  typeDiagnostics = `${r.stdout}${r.stderr}`;
  if (r.status !== 0 && typeDiagnostics.trim() === '') typeDiagnostics = `tsc exited ${r.status}`;
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

it('type-checks the import and require files of every package without a diagnostic', () => {
  expect(typeDiagnostics).toBe('');
});

it('finds the published packages and depends on each, so turbo builds them before this test', () => {
  expect(published.map((p) => p.manifest.name)).toContain('@cordwire/opcodes');
  for (const p of published) expect(Object.keys(self.devDependencies ?? {})).toContain(p.manifest.name);
});

describe.each(published)('$manifest.name', (p) => {
  it('package.json points only at packed files, without the in-repo cordwire-source condition', () => {
    const targets = new Set<string>();
    const conditions = new Set<string>();
    const walk = (value: unknown): void => {
      if (typeof value === 'string') targets.add(value);
      else if (value && typeof value === 'object') {
        for (const [key, v] of Object.entries(value)) {
          if (!key.startsWith('.')) conditions.add(key);
          walk(v);
        }
      }
    };
    walk(p.packed.exports);
    for (const field of [
      p.packed.main,
      p.packed.module,
      p.packed.types,
      ...Object.values(p.packed.bin ?? {}),
    ]) {
      if (field) targets.add(field);
    }
    expect(conditions).not.toContain('cordwire-source');
    expect([...conditions].sort()).toEqual(['default', 'import', 'require', 'types']);
    const missing = [...targets].map((t) => t.replace(/^\.\//, '')).filter((t) => !p.files.includes(t));
    expect(missing).toEqual([]);
    // The published map is the workspace's without the in-repo condition (publishConfig.exports kept in step).
    const strip = (value: unknown): unknown =>
      value && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([k]) => k !== 'cordwire-source')
              .map(([k, v]) => [k, strip(v)]),
          )
        : value;
    expect(p.packed.exports).toEqual(strip(p.manifest.exports));
  });

  it('has repository, homepage, bugs, keywords, licence and a CHANGELOG.md, and ships no source maps', () => {
    expect(p.packed.repository).toEqual({
      type: 'git',
      url: expect.stringMatching(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/),
      directory: `packages/${p.dir}`,
    });
    expect(p.packed.homepage).toMatch(/^https:\/\//);
    expect(p.packed.bugs?.url).toMatch(/^https:\/\//);
    expect(p.packed.keywords?.length).toBeGreaterThan(0);
    expect(p.packed.license).toBe('MIT');
    expect(p.packed.files).toContain('CHANGELOG.md');
    for (const f of ['CHANGELOG.md', 'README.md', 'LICENSE', 'package.json']) expect(p.files).toContain(f);
    expect(p.files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(p.files.filter((f) => f.startsWith('src/'))).toEqual([]);
  });

  it('loads from import and from require() with the same exports (ESM and CommonJS builds)', async () => {
    const script = join(app, `load-${p.dir}.mjs`);
    writeFileSync(
      script,
      [
        "import { createRequire } from 'node:module';",
        `const name = ${JSON.stringify(p.manifest.name)};`,
        'const require = createRequire(import.meta.url);',
        'const esm = await import(name);',
        'console.log(JSON.stringify({',
        "  esm: Object.keys(esm).filter((k) => k !== 'default').sort(),",
        '  cjs: Object.keys(require(name)).sort(),',
        '  esmFile: import.meta.resolve(name),',
        '  cjsFile: require.resolve(name),',
        '}));',
      ].join('\n'),
    );
    const r = await run(process.execPath, [script], app);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { esm: string[]; cjs: string[]; esmFile: string; cjsFile: string };
    expect(out.esm.length).toBeGreaterThan(0);
    expect(out.cjs).toEqual(out.esm);
    expect(out.esmFile).toMatch(/\/node_modules\/@cordwire\/[\w-]+\/dist\/index\.js$/);
    expect(out.cjsFile).toMatch(/\/node_modules\/@cordwire\/[\w-]+\/dist\/index\.cjs$/);
  });

  it('has types that resolve for import (.d.ts) and require (.d.cts)', () => {
    const own = typeDiagnostics
      .split('\n')
      .filter((line) => line.startsWith(`types-${p.dir}.`) || line.includes(`/@cordwire/${p.dir}/`));
    expect(own).toEqual([]);
    expect(existsSync(join(app, `types-${p.dir}.cts`))).toBe(true);
    expect(p.files).toEqual(expect.arrayContaining(['dist/index.d.ts', 'dist/index.d.cts']));
  });

  it("runs the README's first ```js example as it is, with only this package installed", async () => {
    const readme = readFileSync(join(root, 'packages', p.dir, 'README.md'), 'utf8');
    const fence = /```(\w*)\n([\s\S]*?)```/.exec(readme);
    expect(fence?.[1], 'the README opens with a ```js block').toBe('js');
    const example = fence![2]!;
    // Only what `npm install <this package>` provides: itself, its dependencies, Node builtins.
    const allowed = new Set([p.manifest.name, ...Object.keys(p.manifest.dependencies ?? {})]);
    const imported = [...example.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]/g)].map(
      (m) => (m[1] ?? m[2])!,
    );
    expect(imported.length).toBeGreaterThan(0);
    const foreign = imported.filter((s) => {
      if (s.startsWith('node:') || builtinModules.includes(s)) return false;
      const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
      return !allowed.has(name);
    });
    expect(foreign).toEqual([]);
    const file = join(app, `readme-${p.dir}.mjs`);
    writeFileSync(file, example);
    const r = await run(process.execPath, [file], app, process.env, 60_000);
    expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    expect(r.stdout.trim()).not.toBe('');
  });
});

const bins = published.flatMap((p) => Object.keys(p.manifest.bin ?? {}).map((name) => ({ p, name })));

it('finds the bins', () => {
  expect(bins.map((b) => b.name)).toEqual(expect.arrayContaining(['cordwire-opcodes', 'cordwire-emulator']));
});

describe.each(bins)('bin $name', ({ p, name }) => {
  it('runs from node_modules/.bin and answers --help', async () => {
    const target = p.packed.bin?.[name];
    expect(target).toBeDefined();
    const script = readFileSync(join(app, 'node_modules', p.manifest.name, target!), 'utf8');
    expect(script.startsWith('#!/usr/bin/env node\n')).toBe(true);
    const r = await run(join(app, 'node_modules', '.bin', name), ['--help'], app, process.env, 30_000);
    expect(r.status).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain(name);
  });
});

// A file a build loads by URL at run time must sit next to both builds: the gateway's worker
// strategy starts dist/shardWorker.js from index.js (import.meta.url) and from index.cjs (tsup's shim).
describe.each(['mjs', 'cjs'])('gateway worker threads from the published %s build', (ext) => {
  it('start dist/shardWorker.js, and a shard in it reaches READY against the published emulator', async () => {
    const load =
      ext === 'mjs'
        ? "import { startEmulator } from '@cordwire/emulator';\nimport { ShardManager, workerThreadsStrategy } from '@cordwire/gateway';"
        : "const { startEmulator } = require('@cordwire/emulator');\nconst { ShardManager, workerThreadsStrategy } = require('@cordwire/gateway');";
    const script = join(app, `worker-strategy.${ext}`);
    writeFileSync(
      script,
      `${load}
(async () => {
  const deadline = setTimeout(() => { console.error('no READY within 30 s'); process.exit(1); }, 30_000);
  const emu = await startEmulator();
  const strategy = workerThreadsStrategy();
  const manager = new ShardManager({ token: emu.token, intents: 1, restUrl: emu.restUrl, strategy });
  const ready = new Promise((resolve) => manager.on('dispatch', (e) => { if (e.t === 'READY') resolve(e.shardId); }));
  manager.on('fatal', ({ error }) => { console.error(error.message); process.exit(1); });
  await manager.connect();
  console.log('READY on shard', await ready);
  manager.destroy();
  await strategy.close();
  await emu.close();
  clearTimeout(deadline);
})();
`,
    );
    const r = await run(process.execPath, [script], app, process.env, 60_000);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 0,
      stdout: 'READY on shard 0\n',
      stderr: '',
    });
  });
});

// What `npm install @cordwire/x` costs a user: the package and everything it pulls in. Measured
// 2026-12: the emulator 6.8 MiB, the others 0.3-4.8 MiB; with its old certificate generator
// (selfsigned and its X.509/ASN.1 tree) the emulator was 12.2 MiB. A package that needs more says
// why in packages/README.md before this number goes up.
const INSTALL_BUDGET_BYTES = 10 * 1024 * 1024;
/** Packages allowed more, each with its reason in packages/README.md ("Install size"). */
const INSTALL_BUDGET_OVERRIDES: Record<string, number> = { '@cordwire/bot': 18 * 1024 * 1024 };

describe.each(published)('$manifest.name installed', (p) => {
  const budget = INSTALL_BUDGET_OVERRIDES[p.manifest.name] ?? INSTALL_BUDGET_BYTES;
  it(`weighs less than ${budget >> 20} MiB with its dependencies`, () => {
    const lock = JSON.parse(readFileSync(join(app, 'node_modules', '.package-lock.json'), 'utf8')) as {
      packages: Record<string, { dependencies?: Record<string, string> }>;
    };
    // npm's own resolution: a dependency is looked up in node_modules folders from the dependent up.
    const resolve = (from: string, name: string): string | undefined => {
      for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
        const candidate = at ? `${at}/node_modules/${name}` : `node_modules/${name}`;
        if (lock.packages[candidate]) return candidate;
        if (!at) return undefined;
      }
    };
    const closure = new Set<string>();
    const visit = (path: string) => {
      if (closure.has(path)) return;
      closure.add(path);
      for (const dep of Object.keys(lock.packages[path]?.dependencies ?? {})) {
        const found = resolve(path, dep);
        if (found) visit(found);
      }
    };
    visit(`node_modules/${p.manifest.name}`);
    const sizes = [...closure].map((path) => ({ path, bytes: bytesOf(join(app, path)) }));
    const total = sizes.reduce((sum, s) => sum + s.bytes, 0);
    const report = sizes
      .sort((a, b) => b.bytes - a.bytes)
      .map((s) => `${s.path.replace(/^node_modules\//, '')} ${(s.bytes / 1024).toFixed(0)} KiB`)
      .join(', ');
    console.log(`${p.manifest.name}: ${(total / 1048576).toFixed(1)} MiB installed (${report})`);
    expect(total, report).toBeLessThan(budget);
  });
});

/** Bytes of the files of one installed package, without its nested node_modules (counted as their own). */
function bytesOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += bytesOf(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}
