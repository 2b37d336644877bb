/**
 * The shape shared by the gateway and voice opcode catalogs, and the name lookup both use.
 *
 * Direction is seen from the client: `send` = client -> server, `receive` = server -> client.
 * Where the seeds disagree the catalog takes the union (an op one seed lists as Send and another
 * as Send/Receive is `both`) and says so in `note`.
 */
export type OpcodeDirection = 'send' | 'receive' | 'both';

export interface OpcodeInfo<Name extends string = string> {
  readonly code: number;
  /** Canonical UPPER_SNAKE name: the key in `GatewayOpcodes` / `VoiceOpcodes`. */
  readonly name: Name;
  /** Every other spelling a seed uses for this code (display names, older names). */
  readonly aliases: readonly string[];
  readonly direction: OpcodeDirection;
  /** Listed in Discord's official developer documentation. */
  readonly documented: boolean;
  readonly description: string;
  /** Where the seeds disagree or leave a hole. */
  readonly note?: string;
}

/** A code that no seed names, recorded so tools can explain the hole instead of inventing a name. */
export interface OpcodeGap {
  readonly code: number;
  readonly note: string;
}

/**
 * Folds a name for lookup: case, spaces, underscores, hyphens and markdown link syntax do not
 * matter, so "Client Flags", "CLIENT_FLAGS", "clientflags" and "[FLAGS](#flags)" all compare.
 */
export function normalizeOpcodeName(name: string): string {
  const link = /^\[([^\]]*)\]\([^)]*\)$/.exec(name.trim());
  return (link ? link[1]! : name).toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** @internal Builds code and name indexes once, at module load. */
export function indexCatalog<T extends OpcodeInfo>(
  catalog: readonly T[],
): { byCode: ReadonlyMap<number, T>; byName: ReadonlyMap<string, T> } {
  const byCode = new Map<number, T>();
  const byName = new Map<string, T>();
  for (const entry of catalog) {
    byCode.set(entry.code, entry);
    for (const n of [entry.name, ...entry.aliases]) {
      const key = normalizeOpcodeName(n);
      const clash = byName.get(key);
      // A spelling shared by two codes would make lookups ambiguous; fail loudly at load time.
      if (clash && clash.code !== entry.code) {
        throw new Error(`opcode name "${n}" is used by ${clash.code} and ${entry.code}`);
      }
      byName.set(key, entry);
    }
  }
  return { byCode, byName };
}
