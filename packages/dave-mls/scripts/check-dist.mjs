// Runs after `pnpm build`. The published package must:
// - carry our ts-mls patch set and no import of the stock ts-mls;
// - import nothing but node builtins and its own dependencies (ts-mls's optional backends resolve to
//   src/unsupportedBackend.ts), so a bundler resolving every import() eagerly finds them all;
// - ship ts-mls's MIT notice (THIRD_PARTY_NOTICES.md in the packed files, a banner in the bundle) and
//   our LICENSE, and self-contained type declarations;
// - work on its own: a two-member DAVE group through the bundled code, and a typed error for a
//   ciphersuite whose backend is left out;
// - do all of the above in both builds: ESM (index.js) and CommonJS (index.cjs, where the ESM-only
//   @noble packages are inlined too).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { getCiphersuiteFromName } from 'ts-mls';

const read = (path) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const js = read('dist/index.js');
const cjs = read('dist/index.cjs');
const dts = read('dist/index.d.ts');
const dcts = read('dist/index.d.cts');
const pkg = JSON.parse(read('package.json'));
const failures = [];

// -- the patch set is in, the stock ts-mls is not imported
const required = {
  'external_senders as an RFC 9420 vector':
    'decodeVarLenType(decodeExternalSender)(externalSenderExtension.extensionData, 0)',
  'unmerged_leaves rule of RFC 9420 12.4.3.1': 'unmergedLeaves.includes(unmergedLeaf)',
  'self-removal decided from Remove proposals':
    'grouped.remove.some(({ proposal }) => proposal.remove.removed === state.privatePath.leafIndex)',
};
for (const [what, code] of Object.entries(required)) {
  if (!js.includes(code)) failures.push(`missing ${what}`);
  if (!cjs.includes(code)) failures.push(`missing ${what} (CommonJS)`);
}

// -- every import specifier is a builtin or one of our dependencies
const specifiers = new Set();
for (const m of js.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g))
  specifiers.add(m[1]);
for (const m of cjs.matchAll(/\b(?:require|import)\s*\(\s*["']([^"']+)["']/g)) specifiers.add(m[1]);
const dependencies = Object.keys(pkg.dependencies ?? {});
const isBuiltin = (s) => s.startsWith('node:') || builtinModules.includes(s);
const isDependency = (s) => dependencies.some((d) => s === d || s.startsWith(`${d}/`));
for (const s of specifiers) {
  if (!isBuiltin(s) && !isDependency(s)) failures.push(`dist imports "${s}", which is not a dependency`);
}
// ts-mls's optional backends by name (they appear in its error messages, only imports count).
for (const s of specifiers) {
  if (/^(?:@hpke\/(?:chacha20poly1305|dhkem-x448|ml-kem|hybridkem-x-wing)|@noble\/post-quantum)/.test(s))
    failures.push(`dist still imports the optional backend "${s}"`);
}

// -- licence notices
const tsMlsLicense = readFileSync(new URL('../node_modules/ts-mls/LICENSE', import.meta.url), 'utf8').trim();
const copyright = tsMlsLicense.split('\n').find((line) => line.startsWith('Copyright'));
if (!read('THIRD_PARTY_NOTICES.md').includes(tsMlsLicense))
  failures.push('THIRD_PARTY_NOTICES.md does not contain ts-mls LICENSE verbatim');
for (const [file, text] of [
  ['dist/index.js', js],
  ['dist/index.cjs', cjs],
  ['dist/index.d.ts', dts],
  ['dist/index.d.cts', dcts],
]) {
  const head = text.slice(0, 400);
  if (!head.includes(copyright) || !head.includes('THIRD_PARTY_NOTICES.md'))
    failures.push(`${file} has no banner with "${copyright}" pointing to THIRD_PARTY_NOTICES.md`);
}
const packed = packedFiles();
for (const file of [
  'THIRD_PARTY_NOTICES.md',
  'LICENSE',
  'dist/index.js',
  'dist/index.cjs',
  'dist/index.d.ts',
  'dist/index.d.cts',
  'README.md',
]) {
  if (!packed.includes(file)) failures.push(`${file} is not in the packed files`);
}
if (packed.some((f) => f.startsWith('src/')))
  failures.push('src/ is packed (it is not meant to be published)');

// -- declarations stand alone (ts-mls is a devDependency: consumers do not have it)
for (const [file, text] of [
  ['dist/index.d.ts', dts],
  ['dist/index.d.cts', dcts],
]) {
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["']([^"']+)["']/g)) {
    if (!isBuiltin(m[1])) failures.push(`${file} imports "${m[1]}"`);
  }
}

if (failures.length) {
  console.error(`dist check failed:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}

// -- each bundle works on its own
const esm = await import('../dist/index.js');
const commonjs = createRequire(import.meta.url)('../dist/index.cjs');
for (const [build, mod] of [
  ['ESM', esm],
  ['CommonJS', commonjs],
]) {
  const failure = await works(mod);
  if (failure) {
    console.error(`dist check failed (${build}): ${failure}`);
    process.exit(1);
  }
}

async function works({ DaveSession, DaveSessionError, ExternalSender, fastCryptoProvider }) {
  const gateway = new ExternalSender();
  const a = new DaveSession(1, '1001', '42');
  const b = new DaveSession(1, '1002', '42');
  await a.setExternalSender(gateway.package);
  await b.setExternalSender(gateway.package);
  const add = gateway.proposeAdd('42', 0, await b.getSerializedKeyPackage());
  const { commit, welcome } = await a.processProposals(0, ExternalSender.appendPayload([add]).subarray(1), [
    '1002',
  ]);
  await a.processCommit(commit);
  await b.processWelcome(welcome);
  const frame = a.encryptOpus(Uint8Array.of(0x78, 1, 2, 3));
  const plain = b.decrypt('1001', 0, frame);
  if (a.voicePrivacyCode !== b.voicePrivacyCode || plain.length !== 4)
    return 'bundled DaveSession does not work';
  // One ciphersuite per stubbed backend: ChaCha20-Poly1305, X448, ML-KEM, X-Wing.
  for (const name of [
    'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519',
    'MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448',
    'MLS_128_MLKEM512_AES128GCM_SHA256_Ed25519',
    'MLS_256_XWING_AES256GCM_SHA512_Ed25519',
  ]) {
    const outcome = await fastCryptoProvider.getCiphersuiteImpl(getCiphersuiteFromName(name)).then(
      () => 'resolved',
      (error) => error,
    );
    if (!(outcome instanceof DaveSessionError) || outcome.code !== 'DAVE_MLS_UNSUPPORTED_CIPHERSUITE')
      return `${name} gave ${outcome}, not DAVE_MLS_UNSUPPORTED_CIPHERSUITE`;
  }
  return undefined;
}
console.log(
  `dist check: patched ts-mls bundled with its notice, imports only ${dependencies.join(', ')} and builtins, ` +
    'DaveSession works from both builds (ESM and CommonJS), left-out ciphersuites fail typed',
);

/** The files `pnpm pack` would publish (the pnpm running this script, else the one on PATH). */
function packedFiles() {
  const execPath = process.env.npm_execpath;
  const [command, args] =
    execPath && /pnpm/.test(execPath) && /\.c?js$/.test(execPath)
      ? [process.execPath, [execPath, 'pack', '--dry-run', '--json']]
      : ['pnpm', ['pack', '--dry-run', '--json']];
  const out = execFileSync(command, args, {
    cwd: new URL('..', import.meta.url),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.slice(out.indexOf('{'))).files.map((f) => f.path);
}
