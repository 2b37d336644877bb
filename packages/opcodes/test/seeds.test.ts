import { describe, expect, it } from 'vitest';
import {
  GatewayOpcodes,
  VOICE_BINARY_OPCODES,
  VoiceFlags,
  VoiceOpcodes,
  VoicePlatform,
  encryptionModes,
  gatewayCloseCodes,
  gatewayOpcodeByName,
  gatewayOpcodeGaps,
  gatewayOpcodeInfo,
  gatewayOpcodes,
  voiceCloseCodes,
  voiceOpcodeByName,
  voiceOpcodeGaps,
  voiceOpcodeInfo,
  voiceOpcodes,
} from '../src/index.js';
import {
  type SeedRow,
  seed000Enum,
  seed000Voice,
  seed001Gateway,
  seed001PayloadFields,
  seed002,
  seed002BlankVoiceRows,
  seed002CloseCodes,
  seed003Modes,
  seed003Voice,
  seed004Gateway,
} from './seedTables.js';

const gatewayRows = [...seed001Gateway(), ...seed002('gateway'), ...seed004Gateway()];
const voiceRows = [...seed000Voice(), ...seed002('voice'), ...seed003Voice()];

describe('seed parsing sanity (so the proofs below cannot pass vacuously)', () => {
  it('reads every table row', () => {
    expect(seed001Gateway()).toHaveLength(34);
    expect(seed002('gateway')).toHaveLength(36);
    expect(seed004Gateway()).toHaveLength(29);
    expect(seed000Voice()).toHaveLength(29);
    expect(seed002('voice')).toHaveLength(30);
    expect(seed003Voice()).toHaveLength(11);
  });
});

function expectCovered(
  rows: SeedRow[],
  byCode: (c: number) => { code: number } | undefined,
  byName: (n: string) => { code: number } | undefined,
) {
  for (const row of rows) {
    expect(byCode(row.code), `seed ${row.seed} code ${row.code}`).toBeDefined();
    expect(byName(row.name)?.code, `seed ${row.seed} name "${row.name}"`).toBe(row.code);
  }
}

/** The seeds' action columns in their own words: who sends the opcode. Blank means not stated. */
const SEED_DIRECTIONS: Record<string, 'send' | 'receive' | 'both' | undefined> = {
  Send: 'send',
  client: 'send',
  Receive: 'receive',
  server: 'receive',
  'Send/Receive': 'both',
  'client/server': 'both',
  '': undefined,
};

/**
 * Asserts, for every row whose seed states a direction, that the catalog allows it (a two-way seed
 * row needs a two-way catalog entry). An action word the table above does not know fails. Returns
 * the rows that state no direction, so callers can pin how many were skipped.
 */
function expectDirections(rows: SeedRow[], catalog: (code: number) => string): SeedRow[] {
  const blank: SeedRow[] = [];
  for (const row of rows) {
    const label = `seed ${row.seed} code ${row.code} action "${row.action}"`;
    expect(Object.keys(SEED_DIRECTIONS), label).toContain(row.action.trim());
    const stated = SEED_DIRECTIONS[row.action.trim()];
    if (stated === undefined) {
      blank.push(row);
      continue;
    }
    const allowed = stated === 'both' ? ['both'] : [stated, 'both'];
    expect(allowed, label).toContain(catalog(row.code));
  }
  return blank;
}

describe('gateway catalog covers every seed row', () => {
  it('has every code and every name or alias', () => {
    expectCovered(gatewayRows, gatewayOpcodeInfo, gatewayOpcodeByName);
  });
  it('has exactly the codes the seeds list (0-11, 13-22, 24-43) and records 12 and 23 as gaps', () => {
    const seedCodes = [...new Set(gatewayRows.map((r) => r.code))].sort((a, b) => a - b);
    expect(gatewayOpcodes.map((o) => o.code)).toEqual(seedCodes);
    expect(gatewayOpcodeGaps.map((g) => g.code)).toEqual([12, 23]);
    expect(gatewayOpcodeInfo(12)).toBeUndefined();
  });
  it('uses the GatewayOpcodes keys as canonical names', () => {
    expect(Object.fromEntries(gatewayOpcodes.map((o) => [o.name, o.code]))).toEqual(GatewayOpcodes);
  });
  it("keeps every seed's direction inside the catalog direction", () => {
    const blank = expectDirections(gatewayRows, (code) => gatewayOpcodeInfo(code)!.direction);
    // Measured: 81 rows state a direction; seed 004's 18 rows leave the column empty.
    expect(gatewayRows.length - blank.length).toBe(81);
    expect(blank.map((row) => row.seed)).toEqual(Array(18).fill('004'));
  });
  it("follows seed 001's Documented column", () => {
    for (const row of seed001Gateway()) expect(gatewayOpcodeInfo(row.code)!.documented).toBe(row.documented);
  });
  it('names the payload of every seed-001 payload table in its type file', async () => {
    const { readFileSync } = await import('node:fs');
    const types = readFileSync(new URL('../src/gatewayPayloads.ts', import.meta.url), 'utf8');
    for (const [op, fields] of seed001PayloadFields()) {
      expect(gatewayOpcodeByName(op), op).toBeDefined();
      for (const f of fields) expect(types, `${op}.${f}`).toMatch(new RegExp(`\\b${f}\\??:`));
    }
  });
});

describe('voice catalog covers every seed row', () => {
  it('has every code and every name or alias', () => {
    expectCovered(voiceRows, voiceOpcodeInfo, voiceOpcodeByName);
  });
  it('covers 0-31 except 10, which is a recorded gap', () => {
    const seedCodes = [...new Set(voiceRows.map((r) => r.code))].sort((a, b) => a - b);
    expect(voiceOpcodes.map((o) => o.code)).toEqual(seedCodes);
    expect([...seedCodes, ...voiceOpcodeGaps.map((g) => g.code)].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 32 }, (_, i) => i),
    );
  });
  it('records the blank rows of seed 002 in notes', () => {
    expect(seed002BlankVoiceRows()).toBe(3);
    expect(voiceOpcodeGaps[0]!.note).toMatch(/blank rows/);
    expect(voiceOpcodeInfo(17)!.note).toMatch(/blank row/);
  });
  it('agrees with VOICE_BINARY_OPCODES, which the binary framing uses', () => {
    expect([...VOICE_BINARY_OPCODES].sort((a, b) => a - b)).toEqual(
      voiceOpcodes.filter((o) => o.format === 'binary').map((o) => o.code),
    );
  });
  it('uses the VoiceOpcodes keys as canonical names', () => {
    expect(Object.fromEntries(voiceOpcodes.map((o) => [o.name, o.code]))).toEqual(VoiceOpcodes);
  });
  it("matches seed 002's Format column, noting the one disagreement (29)", () => {
    for (const row of seed002('voice')) {
      const entry = voiceOpcodeInfo(row.code)!;
      if (row.code === 29) {
        expect(entry.format).toBe('binary');
        expect(entry.note).toMatch(/JSON/);
      } else {
        expect(entry.format, `op ${row.code}`).toBe(row.format!.toLowerCase());
      }
    }
  });
  it("keeps every seed's direction inside the catalog direction", () => {
    const rows = [...seed000Voice(), ...seed002('voice')];
    const blank = expectDirections(rows, (code) => voiceOpcodeInfo(code)!.direction);
    // Measured: 54 rows state a direction; 5 rows of seed 000 leave the column empty.
    expect(rows.length - blank.length).toBe(54);
    expect(blank.map((row) => row.seed)).toEqual(Array(5).fill('000'));
  });
  it('knows the example aliases from the issue', () => {
    expect(voiceOpcodeByName('Client Flags')?.code).toBe(18);
    expect(voiceOpcodeByName('client platform')?.code).toBe(20);
    expect(voiceOpcodeByName('SELECT_PROTOCOL_ACK')?.code).toBe(4);
    expect(voiceOpcodeByName('MLS_PREPARE_COMMIT_TRANSITION')?.code).toBe(29);
    expect(voiceOpcodeByName('DAVE Protocol Prepare Epoch')?.code).toBe(24);
    expect(voiceOpcodeByName('secure frames ready for transition')?.code).toBe(23);
    expect(gatewayOpcodeByName('Lobby Voice States')?.code).toBe(17);
    expect(gatewayOpcodeByName('request deleted entity ids')?.code).toBe(30);
  });
});

describe('enums agree with the seeds', () => {
  it('voice flags (seed 000)', () => {
    for (const [key, name] of seed000Enum(/^### Voice Flags/)) {
      const shift = Number(/1 << (\d+)/.exec(key)![1]);
      expect(VoiceFlags[name as keyof typeof VoiceFlags]).toBe(1 << shift);
    }
    expect(Object.keys(VoiceFlags)).toHaveLength(3);
  });
  it('voice platforms (seed 000)', () => {
    const rows = seed000Enum(/^### Platform Type/);
    expect(Object.fromEntries(rows.map(([k, v]) => [v, Number(k)]))).toEqual(VoicePlatform);
  });
  it('encryption modes: the five of seed 003 plus xsalsa20_poly1305_lite_rtpsize', () => {
    const names = encryptionModes.map((m) => m.name);
    for (const m of seed003Modes()) expect(names).toContain(m);
    expect(names.sort()).toEqual([...seed003Modes(), 'xsalsa20_poly1305_lite_rtpsize'].sort());
  });
});

describe('close codes agree with seed 002', () => {
  it('gateway', () => {
    const seed = seed002CloseCodes('gateway');
    expect(gatewayCloseCodes.map((c) => [c.code, c.description])).toEqual(
      seed.map((c) => [c.code, c.description]),
    );
  });
  it('voice', () => {
    const seed = seed002CloseCodes('voice');
    expect(voiceCloseCodes.map((c) => [c.code, c.description])).toEqual(
      seed.map((c) => [c.code, c.description]),
    );
  });
});
