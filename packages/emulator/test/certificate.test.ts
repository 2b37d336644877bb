import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoopbackCertificate, makeLoopbackCertificate } from '../src/voice/certificate.js';

// The certificate is written by hand in DER (certificate.ts): OpenSSL, through node:crypto and
// node:tls, is the independent judge of every field.
const made: LoopbackCertificate[] = [];
async function make(host?: string): Promise<LoopbackCertificate> {
  const c = await makeLoopbackCertificate(host);
  made.push(c);
  return c;
}
afterEach(async () => {
  for (const c of made.splice(0)) await c.dispose();
});

/** A TLS handshake on 127.0.0.1 against a server using the certificate; resolves the client socket. */
async function handshake(
  cert: LoopbackCertificate,
  client: { ca?: string; servername?: string },
): Promise<{ authorized: boolean; error?: string }> {
  const server = createServer({ cert: cert.cert, key: cert.key }, (s) => s.end());
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      const socket: TLSSocket = connect({ host: '127.0.0.1', port, ...client }, () => {
        resolve({ authorized: socket.authorized });
        socket.destroy();
      });
      socket.on('error', (e: NodeJS.ErrnoException) =>
        resolve({ authorized: false, error: e.code ?? e.message }),
      );
    });
  } finally {
    await new Promise((done) => server.close(done));
  }
}

describe('loopback certificate (DER written by us)', () => {
  it('parses as an X.509 v3 CA certificate for 127.0.0.1 and localhost, signed by its own key', async () => {
    const c = await make();
    const x = new X509Certificate(c.cert);
    expect(x.subject).toBe('CN=127.0.0.1');
    expect(x.issuer).toBe('CN=127.0.0.1');
    expect(x.ca).toBe(true);
    expect(x.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // extended key usage: serverAuth
    expect(x.publicKey.asymmetricKeyType).toBe('ec');
    expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.checkIssued(x)).toBe(true);
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x.checkHost('localhost')).toBe('localhost');
    expect(x.checkHost('example.com')).toBeUndefined();
    const from = Date.parse(x.validFrom);
    const to = Date.parse(x.validTo);
    expect(from).toBeLessThanOrEqual(Date.now());
    expect(to - from).toBeGreaterThan(23 * 3600 * 1000);
    expect(to - from).toBeLessThanOrEqual(25 * 3600 * 1000);
    // Serials are random and positive.
    const other = new X509Certificate((await make()).cert);
    expect(other.serialNumber).not.toBe(x.serialNumber);
    expect(Number.parseInt(x.serialNumber.slice(0, 1), 16)).toBeLessThan(8);
  });

  it('names other hosts in subjectAltName: IPv6 (also with an IPv4 tail) and DNS names', async () => {
    expect(new X509Certificate((await make('::1')).cert).subjectAltName).toBe(
      'IP Address:0:0:0:0:0:0:0:1, DNS:localhost',
    );
    const mapped = new X509Certificate((await make('::ffff:127.0.0.1')).cert);
    expect(mapped.checkIP('::ffff:127.0.0.1')).toBe('::ffff:127.0.0.1');
    const named = new X509Certificate((await make('voice.test')).cert);
    expect(named.subjectAltName).toBe('DNS:voice.test, DNS:localhost');
    expect(named.subject).toBe('CN=voice.test');
  });

  it('completes a real TLS handshake when trusted through `ca`, and only then', async () => {
    const c = await make();
    expect(await handshake(c, { ca: c.cert })).toEqual({ authorized: true });
    expect(await handshake(c, { ca: c.cert, servername: 'localhost' })).toEqual({ authorized: true });
    // Untrusted: the client refuses it (proves the check above is a real verification).
    const untrusted = await handshake(c, {});
    expect(untrusted.authorized).toBe(false);
    expect(untrusted.error).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    // Another run's certificate is not this one.
    const stranger = await make();
    expect((await handshake(c, { ca: stranger.cert })).authorized).toBe(false);
  });

  it('is trusted by a child process through NODE_EXTRA_CA_CERTS=pemPath (how @discordjs/voice trusts it)', async () => {
    const c = await make();
    expect(readFileSync(c.pemPath, 'utf8')).toBe(c.cert);
    const server = createHttpsServer({ cert: c.cert, key: c.key }, (_req, res) => res.end('voice ok'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    try {
      const script = `require('node:https').get('https://127.0.0.1:${port}/', (r) => r.pipe(process.stdout)).on('error', (e) => { console.error(e.code); process.exit(1); })`;
      const child = spawn(process.execPath, ['-e', script], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: c.pemPath },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const code = await new Promise((done) => child.on('exit', done));
      expect({ code, out, err }).toEqual({ code: 0, out: 'voice ok', err: '' });
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('dispose removes the PEM file', async () => {
    const c = await makeLoopbackCertificate();
    expect(existsSync(c.pemPath)).toBe(true);
    await c.dispose();
    expect(existsSync(c.pemPath)).toBe(false);
  });
});
