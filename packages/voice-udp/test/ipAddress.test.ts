import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipFamily } from '../src/ipAddress.js';
import { buildIpDiscoveryResponse, parseIpDiscoveryResponse } from '../src/ipDiscovery.js';

// Address text in an IP discovery reply goes to the platform's parser (node:net), never to a
// hand-written one: a hand-written one took "1.2.3.4::" for IPv6.

const malformed = [
  '1.2.3.4::',
  '::1.2.3.4:5',
  '1.2.3.4::1',
  '1::2::3',
  ':::',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7:8::',
  '01.2.3.4',
  '1.2.3',
  '1.2.3.4.',
  '256.1.1.1',
  'fe80::1%eth0',
  '[::1]',
  ' 1.2.3.4',
  '',
];

describe('IP address text', () => {
  it.each(malformed)('refuses %j', (text) => {
    expect(ipFamily(text)).toBe(0);
  });

  it.each([
    ['1.2.3.4', 4],
    ['::', 6],
    ['::1', 6],
    ['::ffff:1.2.3.4', 6],
    ['2001:db8::8a2e:370:7334', 6],
    ['ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255', 6],
  ] as const)('accepts %j as IPv%d', (text, family) => {
    expect(ipFamily(text)).toBe(family);
  });

  it('agrees with node:net on any text built from address characters (zones aside)', () => {
    const text = fc
      .array(fc.constantFrom(...'0123456789abcdefABCDEF:.'.split(''), '::', '1.2.3.4', 'ffff'), {
        maxLength: 16,
      })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (t) => {
        expect(ipFamily(t)).toBe(isIP(t));
      }),
      { numRuns: 5000 },
    );
  });

  it('a discovery reply carrying "1.2.3.4::" is a typed error', () => {
    const reply = buildIpDiscoveryResponse({ ssrc: 9, address: '10.0.0.1', port: 5 });
    reply.fill(0, 8, 72);
    reply.set(Buffer.from('1.2.3.4::', 'ascii'), 8);
    const result = parseIpDiscoveryResponse(reply, 9);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('IP_DISCOVERY_MALFORMED');
  });
});
