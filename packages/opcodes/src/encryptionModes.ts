/**
 * Voice transport encryption modes, named as they travel in voice op 2 READY `modes` and
 * op 1 SELECT_PROTOCOL `data.mode`. Seed 003 lists five (its SelectProtocol mode enum);
 * research/anchors.md 3.5 adds xsalsa20_poly1305_lite_rtpsize and the status of each
 * (docs `voice-connections.mdx` "Transport Encryption Modes"). Discord closes with 4016 on a
 * mode it no longer accepts.
 */
export type EncryptionModeStatus = 'current' | 'deprecated';

export interface EncryptionModeInfo {
  readonly name: string;
  readonly status: EncryptionModeStatus;
  readonly cipher: string;
  /** Bytes of nonce appended to each packet (0: derived from the RTP header). */
  readonly nonceSuffixBytes: number;
  readonly note?: string;
}

export const encryptionModes = [
  {
    name: 'aead_aes256_gcm_rtpsize',
    status: 'current',
    cipher: 'AES-256-GCM',
    nonceSuffixBytes: 4,
    note: 'Preferred when available.',
  },
  {
    name: 'aead_xchacha20_poly1305_rtpsize',
    status: 'current',
    cipher: 'XChaCha20-Poly1305',
    nonceSuffixBytes: 4,
    note: 'Required: always offered by the server.',
  },
  {
    name: 'xsalsa20_poly1305_lite_rtpsize',
    status: 'deprecated',
    cipher: 'XSalsa20-Poly1305',
    nonceSuffixBytes: 4,
    note: 'Discontinued 2024-11-18; not in seed 003.',
  },
  { name: 'xsalsa20_poly1305_lite', status: 'deprecated', cipher: 'XSalsa20-Poly1305', nonceSuffixBytes: 4 },
  {
    name: 'xsalsa20_poly1305_suffix',
    status: 'deprecated',
    cipher: 'XSalsa20-Poly1305',
    nonceSuffixBytes: 24,
  },
  { name: 'xsalsa20_poly1305', status: 'deprecated', cipher: 'XSalsa20-Poly1305', nonceSuffixBytes: 0 },
] as const satisfies readonly EncryptionModeInfo[];

export type EncryptionMode = (typeof encryptionModes)[number]['name'];

/** The modes a client may select today, most preferred first. */
export const CURRENT_ENCRYPTION_MODES: readonly EncryptionMode[] = encryptionModes
  .filter((m) => m.status === 'current')
  .map((m) => m.name);

const byName = new Map<string, EncryptionModeInfo>(encryptionModes.map((m) => [m.name, m]));

export function encryptionModeInfo(name: string): EncryptionModeInfo | undefined {
  return byName.get(name);
}
