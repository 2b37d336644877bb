/**
 * A throwaway TLS certificate for the voice gateway on loopback. Discord serves the voice
 * gateway over wss and @discordjs/voice hard-codes `wss://${endpoint}`, so the emulator must
 * speak TLS; a client trusts this one certificate (NODE_EXTRA_CA_CERTS=pemPath for a child
 * process, or the `ca` option of our own client).
 *
 * node:crypto makes the P-256 key pair and the ECDSA signature; what it cannot do is write a
 * certificate, so the few DER structures of an X.509 v3 certificate (RFC 5280 4.1) are written here
 * instead of depending on a general ASN.1/X.509 library (several MB installed for one call).
 * The certificate is its own CA (basicConstraints cA, keyCertSign) because NODE_EXTRA_CA_CERTS
 * and `ca` take CA certificates, and it names the host in subjectAltName, which TLS clients check.
 */
import { createHash, generateKeyPair, type KeyObject, randomBytes, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface LoopbackCertificate {
  /** PEM of the certificate (public; safe to log). */
  readonly cert: string;
  /** PEM of the private key; stays in memory and in nothing the emulator logs. */
  readonly key: string;
  /** A file holding `cert`, for NODE_EXTRA_CA_CERTS. Removed by `dispose()`. */
  readonly pemPath: string;
  dispose(): Promise<void>;
}

const generateKeyPairAsync = promisify(generateKeyPair);

export async function makeLoopbackCertificate(host = '127.0.0.1'): Promise<LoopbackCertificate> {
  const { publicKey, privateKey } = await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
  const now = Date.now();
  // A minute of slack for clocks that disagree by rounding; one day is plenty for a test run,
  // and a leaked file is useless tomorrow.
  const der = selfSignedCertificate({
    host,
    publicKey,
    privateKey,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 24 * 3600 * 1000),
  });
  const cert = toPem('CERTIFICATE', der);
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const dir = await mkdtemp(join(tmpdir(), 'cordwire-voice-'));
  const pemPath = join(dir, 'voice-ca.pem');
  await writeFile(pemPath, cert, { mode: 0o644 });
  return {
    cert,
    key,
    pemPath,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

interface CertificateFields {
  host: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
}

// Object identifiers (RFC 5280, RFC 5758 3.2 for ecdsa-with-SHA256).
const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

function selfSignedCertificate(f: CertificateFields): Buffer {
  const spki = f.publicKey.export({ type: 'spki', format: 'der' });
  const name = sequence(set(sequence(oid(OID.commonName), utf8String(f.host))));
  const signatureAlgorithm = sequence(oid(OID.ecdsaWithSha256));
  const extensions = [
    extension(OID.basicConstraints, true, sequence(boolean(true))),
    // digitalSignature (bit 0) for the TLS handshake, keyCertSign (bit 5) to sign itself as a CA.
    extension(OID.keyUsage, true, bitString(Buffer.of(0x84), 2)),
    extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
    extension(OID.subjectAltName, false, sequence(...subjectAltNames(f.host))),
    extension(
      OID.subjectKeyIdentifier,
      false,
      octetString(createHash('sha1').update(spkiKeyBits(spki)).digest()),
    ),
  ];
  const tbs = sequence(
    explicit(0, integer(Buffer.of(2))), // v3
    integer(serialNumber()),
    signatureAlgorithm,
    name, // issuer: itself
    sequence(time(f.notBefore), time(f.notAfter)),
    name, // subject
    spki,
    explicit(3, sequence(...extensions)),
  );
  // For an EC key crypto.sign returns the DER ECDSA-Sig-Value the certificate carries as is.
  const signature = sign('sha256', tbs, f.privateKey);
  return sequence(tbs, signatureAlgorithm, bitString(signature, 0));
}

function subjectAltNames(host: string): Buffer[] {
  const names: Buffer[] = [];
  // iPAddress [7] holds the address bytes; dNSName [2] an IA5String (RFC 5280 4.2.1.6).
  if (isIPv4(host)) names.push(tlv(0x87, Buffer.from(host.split('.').map(Number))));
  else if (isIPv6(host)) names.push(tlv(0x87, ipv6Bytes(host)));
  else if (host !== 'localhost') names.push(tlv(0x82, Buffer.from(host, 'ascii')));
  names.push(tlv(0x82, Buffer.from('localhost', 'ascii')));
  return names;
}

function ipv6Bytes(host: string): Buffer {
  // An embedded IPv4 tail (::ffff:127.0.0.1) is the last two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    host = `${host.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = host.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const zeros = new Array<string>(8 - left.length - right.length).fill('0');
  const out = Buffer.alloc(16);
  for (const [i, g] of [...left, ...zeros, ...right].entries())
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}

/** A positive 16-byte serial; the fixed 0x40 high bits keep the DER INTEGER minimal and positive. */
function serialNumber(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  return serial;
}

/** The subjectPublicKey BIT STRING contents of a SubjectPublicKeyInfo, which the key identifier hashes. */
function spkiKeyBits(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0);
  const algorithm = readTlv(spki, outer.contentStart);
  const bits = readTlv(spki, algorithm.end);
  return spki.subarray(bits.contentStart + 1, bits.end); // skip the unused-bits byte
}

function readTlv(der: Buffer, at: number): { contentStart: number; end: number } {
  let length = der[at + 1]!;
  let contentStart = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    length = der.readUIntBE(at + 2, bytes);
    contentStart += bytes;
  }
  return { contentStart, end: contentStart + length };
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// -- DER (ITU-T X.690): only the types a certificate needs.

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let header: Buffer;
  if (n < 0x80) header = Buffer.of(tag, n);
  else if (n < 0x100) header = Buffer.of(tag, 0x81, n);
  else if (n < 0x10000) header = Buffer.of(tag, 0x82, n >> 8, n & 0xff);
  else header = Buffer.of(tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff);
  return Buffer.concat([header, content]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (tagNumber: number, inner: Buffer) => tlv(0xa0 | tagNumber, inner);
const boolean = (value: boolean) => tlv(0x01, Buffer.of(value ? 0xff : 0x00));
/** `bytes` is already minimal and positive (callers pass 2 or a serial with its high bits fixed). */
const integer = (bytes: Buffer) => tlv(0x02, bytes);
const bitString = (bytes: Buffer, unusedBits: number) =>
  tlv(0x03, Buffer.concat([Buffer.of(unusedBits), bytes]));
const octetString = (bytes: Buffer) => tlv(0x04, bytes);
const utf8String = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * first + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) base128.unshift((v & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii'))
    : tlv(0x18, Buffer.from(digits, 'ascii'));
}
