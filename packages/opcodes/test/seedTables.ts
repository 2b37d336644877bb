// Parses this package's own copies of the seed tables (test/fixtures/seeds). Deliberately simple
// line-based parsing: the point is to read what the seeds say, independently of the catalogs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface SeedRow {
  seed: string;
  code: number;
  name: string;
  /** Raw action / "sent by" cell, '' when blank. */
  action: string;
  format?: string;
  documented?: boolean;
}

const dir = fileURLToPath(new URL('./fixtures/seeds/', import.meta.url));
export const seedText = (prefix: string): string => {
  const files: Record<string, string> = {
    '000': '000_e5a0a516313a11a0.txt',
    '001': '001_2a211cd4d5be8916.txt',
    '002': '002_2b9adf63f00f33aa.txt',
    '003': '003_943db95e2cd98386.txt',
    '004': '004_9088dda7d5ea13e0.txt',
  };
  return readFileSync(dir + files[prefix]!, 'utf8');
};

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());

/** Lines of `text` from the line matching `start` up to (not including) the next matching `end`. */
function section(text: string, start: RegExp, end: RegExp): string[] {
  const lines = text.split('\n');
  const from = lines.findIndex((l) => start.test(l));
  if (from < 0) throw new Error(`section ${start} not found`);
  const rest = lines.slice(from + 1);
  const to = rest.findIndex((l) => end.test(l));
  return to < 0 ? rest : rest.slice(0, to);
}

function tableRows(lines: string[]): string[][] {
  return lines.filter((l) => /^\|\s*\d+\s*\|/.test(l)).map(cells);
}

/** Seed 000: voice opcode table (Opcode | Name | Documented | Client Action | Description). */
export function seed000Voice(): SeedRow[] {
  return tableRows(section(seedText('000'), /^# Voice Gateway Opcodes/, /^## /)).map((c) => ({
    seed: '000',
    code: Number(c[0]),
    name: c[1]!,
    documented: c[2] === '✅',
    action: c[3]!,
  }));
}

/** Seed 000's Voice Flags and Platform Type tables as [key, value] pairs. */
export function seed000Enum(title: RegExp): [string, string][] {
  return section(seedText('000'), title, /^#/)
    .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l) && !/^\|\s*Key/.test(l))
    .map((l) => {
      const c = cells(l);
      return [c[0]!, c[1]!];
    });
}

/** Seed 001: a flattened table, one cell per line ("| 0 |", "DISPATCH |", "✅ |", "Receive |", "... |"). */
export function seed001Gateway(): SeedRow[] {
  const lines = seedText('001').split('\n');
  const rows: SeedRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\| (\d+) \|$/.exec(lines[i]!);
    if (!m) continue;
    const cell = (k: number) => lines[i + k]!.replace(/\|$/, '').trim();
    rows.push({
      seed: '001',
      code: Number(m[1]),
      name: cell(1),
      documented: cell(2) === '✅',
      action: cell(3),
    });
  }
  return rows;
}

/** Seed 001's payload tables: op name -> field names. */
export function seed001PayloadFields(): Map<string, string[]> {
  const lines = seedText('001').split('\n');
  const start = lines.indexOf('VOICE_SERVER_PING');
  const out = new Map<string, string[]>();
  let current: string | undefined;
  for (let i = start; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^[A-Z][A-Z0-9_]+$/.test(l)) {
      current = l;
      out.set(current, []);
    } else if (current && /^\| [a-z_]+ \|$/.test(l) && l !== '| Field |') {
      out.get(current)!.push(l.slice(2, -2));
    }
  }
  return out;
}

/** Seed 002: gateway (Code | Name | Action | Description) and voice (... | Format) tables. */
export function seed002(kind: 'gateway' | 'voice'): SeedRow[] {
  const text = seedText('002');
  const lines =
    kind === 'gateway'
      ? section(text, /^Gateway Opcodes$/, /^Gateway Close Event Codes$/)
      : section(text, /^Voice Opcodes$/, /^Voice Close Event Codes$/);
  return tableRows(lines).map((c) => ({
    seed: '002',
    code: Number(c[0]),
    name: c[1]!,
    action: c[2]!,
    format: c[4],
  }));
}

/** Seed 002's blank voice rows ("| JSON | ||||"): rows with a format but no code. */
export function seed002BlankVoiceRows(): number {
  return section(seedText('002'), /^Voice Opcodes$/, /^Voice Close Event Codes$/).filter((l) =>
    /^\| JSON \|/.test(l),
  ).length;
}

/** Seed 002 close code tables: code -> description. */
export function seed002CloseCodes(kind: 'gateway' | 'voice'): { code: number; description: string }[] {
  const text = seedText('002');
  const lines =
    kind === 'gateway'
      ? section(text, /^Gateway Close Event Codes$/, /^Voice$/)
      : section(text, /^Voice Close Event Codes$/, /^$/);
  return tableRows(lines).map((c) => ({ code: Number(c[0]), description: c[1]! }));
}

/** Seed 003: AsyncAPI message titles "Voice Identify (Opcode 0)". */
export function seed003Voice(): SeedRow[] {
  const rows = new Map<string, SeedRow>();
  for (const m of seedText('003').matchAll(/^\s*(?:title: )?([A-Za-z ]+) \(Opcode (\d+)\)$/gm)) {
    rows.set(m[1]!, { seed: '003', code: Number(m[2]), name: m[1]!, action: '' });
  }
  return [...rows.values()];
}

/** Seed 003's SelectProtocol `mode` enum. */
export function seed003Modes(): string[] {
  const lines = section(seedText('003'), /description: Encryption mode/, /^\s{4}\S/);
  return lines.filter((l) => /^\s+- [a-z0-9_]+$/.test(l)).map((l) => l.trim().slice(2));
}

/** Seed 004: gateway table (Code | Name | Sent by | Description). */
export function seed004Gateway(): SeedRow[] {
  return tableRows(seedText('004').split('\n')).map((c) => ({
    seed: '004',
    code: Number(c[0]),
    name: c[1]!,
    action: c[2]!,
  }));
}
