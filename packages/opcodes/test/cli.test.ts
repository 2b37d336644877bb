import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEtf } from '../src/index.js';
import { EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, runOpcodesCli } from '../src/explain.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));

/** Runs the real CLI entry through tsx, as a user would run the built bin. */
function spawnCli(args: string[], input?: string) {
  const r = spawnSync('pnpm', ['exec', 'tsx', 'src/cli.ts', ...args], { cwd: pkg, input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cordwire-opcodes (spawned)', () => {
  it('explains gateway 14 and exits 0', () => {
    const r = spawnCli(['gateway', '14']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('GUILD_SUBSCRIPTIONS');
  });
  it('decodes a payload from stdin with --json, and exits 1 on a bad one', () => {
    const good = spawnCli(['decode', '--voice', '--json'], '{"op":5,"d":{"speaking":1,"delay":0,"ssrc":9}}');
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({
      valid: true,
      protocol: 'voice',
      sender: 'client',
      op: 5,
    });
    const bad = spawnCli(['decode', '{"op":10,"d":{}}', '--gateway']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('d.heartbeat_interval');
  });
  it('prints a summary with no arguments', () => {
    const r = spawnCli([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Gateway opcodes: 42/);
    expect(r.stdout).toContain('Usage:');
  });
});

describe('cordwire-opcodes (in process)', () => {
  it('looks up codes, names and aliases in both catalogs', () => {
    expect(runOpcodesCli(['voice', '25']).stdout).toContain('DAVE_MLS_EXTERNAL_SENDER');
    expect(runOpcodesCli(['voice', 'Client Flags']).stdout).toContain('voice opcode 18: FLAGS');
    expect(runOpcodesCli(['gateway', 'lobby voice states']).stdout).toContain('gateway opcode 17');
    const json = JSON.parse(runOpcodesCli(['gateway', '30', '--json']).stdout);
    expect(json).toMatchObject({ code: 30, aliases: ['Request Deleted Entity IDs'], direction: 'send' });
  });
  it('explains holes and misses with exit 1', () => {
    const gap = runOpcodesCli(['voice', '10']);
    expect(gap.code).toBe(EXIT_NOT_FOUND);
    expect(gap.stderr).toMatch(/no name.*blank rows/);
    const other = runOpcodesCli(['gateway', 'Client Flags']);
    expect(other.code).toBe(EXIT_NOT_FOUND);
    expect(other.stderr).toContain('the voice gateway has 18 FLAGS');
  });
  it('explains close codes on both gateways with their policy', () => {
    const r = runOpcodesCli(['close', '4017']);
    expect(r.code).toBe(EXIT_OK);
    expect(r.stdout).toMatch(/voice 4017 E2EE_REQUIRED[\s\S]*DAVE[\s\S]*policy: fatal/);
    const both = runOpcodesCli(['close', '4009', '--json']);
    expect(JSON.parse(both.stdout)).toMatchObject({
      gateway: { policy: 'newSession' },
      voice: { policy: 'rejoin' },
    });
    expect(runOpcodesCli(['close', '1006']).code).toBe(EXIT_NOT_FOUND);
    expect(runOpcodesCli(['close', 'abc']).code).toBe(EXIT_USAGE);
  });
  it('lists tables and reads intents', () => {
    expect(runOpcodesCli(['list', 'voice']).stdout.split('\n').filter(Boolean)).toHaveLength(31);
    expect(runOpcodesCli(['list', 'close']).stdout).toContain('4022');
    expect(runOpcodesCli(['intents', '33281']).stdout).toBe(
      '33281: GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT\n',
    );
  });
  it('decodes server and client binary voice frames', () => {
    const server = runOpcodesCli(['decode', '00 04 1d 00 07 aa bb']);
    expect(server.stdout).toMatch(
      /voice op 29 DAVE_MLS_ANNOUNCE_COMMIT_TRANSITION[\s\S]*seq: 4[\s\S]*transition_id 7/,
    );
    const client = runOpcodesCli(['decode', '--client', '1b0021']);
    expect(client.stdout).toMatch(/op 27 DAVE_MLS_PROPOSALS/);
    expect(runOpcodesCli(['decode', '0004']).code).toBe(EXIT_NOT_FOUND);
    expect(runOpcodesCli(['decode', '0004ff']).stderr).toMatch(/not a binary voice opcode/);
  });
  it('decodes a gateway ETF message given as hex', () => {
    const etf = encodeEtf({ op: 10, d: { heartbeat_interval: 41250 }, s: null, t: null });
    const hex = Buffer.from(etf).toString('hex');
    const r = runOpcodesCli(['decode', hex]);
    expect(r.code).toBe(EXIT_OK);
    expect(r.stdout).toMatch(/gateway op 10 HELLO — valid server -> client ETF message/);
  });
  it('redacts secrets and annotates meaningful numbers', () => {
    const r = runOpcodesCli([
      'decode',
      JSON.stringify({
        op: 2,
        d: { token: 'Bot SECRETSECRET', properties: { os: 'l', browser: 'b', device: 'd' }, intents: 513 },
      }),
    ]);
    expect(r.stdout).toContain('gateway op 2 IDENTIFY');
    expect(r.stdout).not.toContain('SECRETSECRET');
    expect(r.stdout).toContain('intents 513 = GUILDS | GUILD_MESSAGES');
    const json = runOpcodesCli([
      'decode',
      '--json',
      `{"op":4,"d":{"mode":"m","secret_key":[${'7,'.repeat(31)}7]}}`,
    ]);
    expect(json.stdout).not.toMatch(/7,/);
  });
  it('reports usage errors with exit 2', () => {
    expect(runOpcodesCli(['nope']).code).toBe(EXIT_USAGE);
    expect(runOpcodesCli(['gateway']).code).toBe(EXIT_USAGE);
    expect(runOpcodesCli(['decode']).code).toBe(EXIT_USAGE);
    expect(runOpcodesCli(['gateway', '1', '--frobnicate']).stderr).toContain('unknown option --frobnicate');
  });
});

describe('cordwire-opcodes on hostile input', () => {
  // 10 MB of hex: the old even-length check was a backtracking regex that overflowed the stack.
  const bigHex = 'ab'.repeat(5_000_000);

  it('decodes a multi-megabyte hex argument without overflowing the stack', () => {
    const r = runOpcodesCli(['decode', bigHex]);
    expect(r.code).toBe(EXIT_NOT_FOUND);
    expect(r.stderr).toMatch(/binary voice frame/);
  });

  it('reads a multi-megabyte hex payload from stdin and exits with a verdict, not a crash', () => {
    const r = spawnCli(['decode', '-'], `0x${bigHex}`);
    expect(r.stderr).not.toMatch(/RangeError|Maximum call stack/);
    expect(r.code).toBe(EXIT_NOT_FOUND);
  });

  it('refuses odd-length and non-hex input with a message', () => {
    expect(runOpcodesCli(['decode', 'abc']).stderr).toMatch(/even-length hex/);
    expect(runOpcodesCli(['decode', `${'ab'.repeat(100_000)}a`]).stderr).toMatch(/even-length hex/);
  });

  it('decodes a deeply nested ETF payload given as hex to a verdict', () => {
    const depth = 200_000;
    const parts = ['83'];
    for (let i = 0; i < depth; i++) parts.push('6c00000001');
    parts.push('6a', '6a'.repeat(depth));
    const r = runOpcodesCli(['decode', parts.join('')]);
    expect(r.code).toBe(EXIT_NOT_FOUND);
    expect(r.stderr).toMatch(/ETF/);
  });

  it('explains a payload nested 100 000 deep without overflowing the stack', () => {
    const d = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const r = runOpcodesCli(['decode', `{"op":0,"s":1,"t":"X","d":${d}}`, '--gateway']);
    expect(r.code).toBe(EXIT_OK);
    expect(r.stdout).toMatch(/valid server -> client JSON/);
  });

  it('gives a verdict (exit 0 or 1), never a throw, for any hex, ETF or JSON text', () => {
    const hex = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('hex'));
    const etf = fc
      .tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([v, at, b]) => {
        const wire = encodeEtf({ op: 0, s: 1, t: 'X', d: v });
        wire[at % wire.length] = b;
        return Buffer.from(wire).toString('hex');
      });
    fc.assert(
      fc.property(fc.oneof(hex, etf, fc.json(), fc.string()), fc.boolean(), (text, client) => {
        const r = runOpcodesCli(['decode', text, ...(client ? ['--client'] : [])]);
        expect([EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE]).toContain(r.code);
      }),
      { numRuns: 500 },
    );
  });
});
