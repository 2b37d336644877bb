/**
 * A throwaway TLS certificate for the voice gateway on loopback. Discord serves the voice
 * gateway over wss and @discordjs/voice hard-codes `wss://${endpoint}`, so the emulator must
 * speak TLS; a client trusts this one certificate (NODE_EXTRA_CA_CERTS=pemPath for a child
 * process, or the `ca` option of our own client).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface LoopbackCertificate {
  /** PEM of the certificate (public; safe to log). */
  readonly cert: string;
  /** PEM of the private key; stays in memory and in nothing the emulator logs. */
  readonly key: string;
  /** A file holding `cert`, for NODE_EXTRA_CA_CERTS. Removed by `dispose()`. */
  readonly pemPath: string;
  dispose(): Promise<void>;
}

export async function makeLoopbackCertificate(host = '127.0.0.1'): Promise<LoopbackCertificate> {
  const pems = await generate([{ name: 'commonName', value: host }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    // One day is plenty for a test run; a leaked file is useless tomorrow.
    notAfterDate: new Date(Date.now() + 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: host },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), 'cordwire-voice-'));
  const pemPath = join(dir, 'voice-ca.pem');
  await writeFile(pemPath, pems.cert, { mode: 0o644 });
  return {
    cert: pems.cert,
    key: pems.private,
    pemPath,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
