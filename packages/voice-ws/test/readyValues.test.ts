import { describe, expect, it } from 'vitest';
import { decodeVoiceMessage } from '../src/index.js';

// Values of voice READY that the client acts on (the UDP address it sends to) are checked when
// the message arrives: a hostname would be resolved through DNS, port 0 cannot be sent to.

const ready = (ip: unknown, port: unknown) =>
  JSON.stringify({ op: 2, d: { ssrc: 1, ip, port, modes: ['aead_aes256_gcm_rtpsize'] }, seq: 0 });

describe('voice READY values', () => {
  it.each([
    ['a hostname', 'voice.example.com', 50_000],
    ['a malformed IPv6', '1.2.3.4::', 50_000],
    ['an IP with a zone', 'fe80::1%eth0', 50_000],
    ['port 0', '127.0.0.1', 0],
  ])('refuses %s as a frame error', (_name, ip, port) => {
    const r = decodeVoiceMessage(ready(ip, port));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/READY/);
  });

  it.each([
    ['IPv4', '127.0.0.1'],
    ['IPv6', '2001:db8::1'],
  ])('accepts an %s address', (_name, ip) => {
    expect(decodeVoiceMessage(ready(ip, 50_000)).ok).toBe(true);
  });
});
