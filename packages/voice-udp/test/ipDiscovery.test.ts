import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IP_DISCOVERY_PACKET_LENGTH,
  answerIpDiscovery,
  buildIpDiscoveryRequest,
  buildIpDiscoveryResponse,
  parseIpDiscoveryRequest,
  parseIpDiscoveryResponse,
} from '../src/index.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('IP discovery (anchors.md 3.2)', () => {
  it('builds the 74-byte request: type 1, length 70, ssrc, zeros', () => {
    const request = buildIpDiscoveryRequest(0x01020304);
    expect(request.length).toBe(74);
    expect(toHex(request.subarray(0, 8))).toBe('0001004601020304');
    expect(request.subarray(8).every((byte) => byte === 0)).toBe(true);
    expect(parseIpDiscoveryRequest(request)).toEqual({ ok: true, value: { ssrc: 0x01020304 } });
  });

  it("reads Discord's captured reply (91.90.123.93:54148, discord.js VoiceUDPSocket test)", () => {
    const reply = new Uint8Array(74);
    reply.set([0x00, 0x02, 0x00, 0x46, 0x00, 0x00, 0x00, 0x01], 0);
    reply.set(Buffer.from('91.90.123.93', 'ascii'), 8);
    reply.set([0xd3, 0x84], 72);
    expect(parseIpDiscoveryResponse(reply, 1)).toEqual({
      ok: true,
      value: { ssrc: 1, address: '91.90.123.93', port: 54148, family: 4 },
    });
    expect(toHex(buildIpDiscoveryResponse({ ssrc: 1, address: '91.90.123.93', port: 54148 }))).toBe(
      toHex(reply),
    );
  });

  it('answers IPv6 and maps IPv4-mapped sources back to IPv4', () => {
    const request = buildIpDiscoveryRequest(7);
    const v6 = answerIpDiscovery(request, { address: '2001:db8::8a2e:370:7334', port: 50000 });
    if (!v6.ok) throw v6.error;
    expect(parseIpDiscoveryResponse(v6.value, 7)).toEqual({
      ok: true,
      value: { ssrc: 7, address: '2001:db8::8a2e:370:7334', port: 50000, family: 6 },
    });
    const mapped = answerIpDiscovery(request, { address: '::ffff:127.0.0.1', port: 1 });
    if (!mapped.ok) throw mapped.error;
    const parsed = parseIpDiscoveryResponse(mapped.value);
    expect(parsed.ok && parsed.value.address).toBe('127.0.0.1');
    const full = answerIpDiscovery(request, {
      address: 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255',
      port: 2,
    });
    expect(full.ok).toBe(true);
  });

  it('rejects oversized, short, wrong-type, wrong-ssrc, unterminated and non-IP replies with typed errors', () => {
    const good = buildIpDiscoveryResponse({ ssrc: 9, address: '10.0.0.1', port: 5 });
    const cases: [string, Uint8Array, number | undefined][] = [
      ['oversized', new Uint8Array([...good, 0]), undefined],
      ['short (old 70-byte form)', good.subarray(0, 70), undefined],
      ['request instead of reply', buildIpDiscoveryRequest(9), undefined],
      ['other ssrc', good, 10],
    ];
    const badLength = good.slice();
    badLength[3] = 71;
    cases.push(['length field', badLength, undefined]);
    const unterminated = good.slice();
    unterminated.fill(0x31, 8, 72);
    cases.push(['no NUL', unterminated, undefined]);
    const notIp = buildIpDiscoveryResponse({ ssrc: 9, address: '10.0.0.1', port: 5 });
    notIp.set(Buffer.from('localhost\0', 'ascii'), 8);
    cases.push(['hostname', notIp, undefined]);
    const control = good.slice();
    control[9] = 0x07;
    cases.push(['control byte', control, undefined]);
    for (const [name, bytes, ssrc] of cases) {
      const result = parseIpDiscoveryResponse(bytes, ssrc);
      expect(result.ok, name).toBe(false);
      if (!result.ok) expect(result.error.code, name).toBe('IP_DISCOVERY_MALFORMED');
    }
    expect(answerIpDiscovery(good, { address: '127.0.0.1', port: 1 }).ok).toBe(false);
    expect(() => buildIpDiscoveryResponse({ ssrc: 1, address: 'example.com', port: 1 })).toThrowError(
      expect.objectContaining({ code: 'IP_DISCOVERY_MALFORMED' }),
    );
  });

  it('never throws on arbitrary bytes, and round-trips any valid reply', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.option(fc.nat()), (bytes, ssrc) => {
        const reply = parseIpDiscoveryResponse(bytes, ssrc ?? undefined);
        const request = parseIpDiscoveryRequest(bytes);
        expect(typeof reply.ok).toBe('boolean');
        expect(typeof request.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
    // 74-byte inputs with the right header reach the address parser
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 66, maxLength: 66 }), (tail) => {
        const bytes = new Uint8Array(IP_DISCOVERY_PACKET_LENGTH);
        bytes.set([0, 2, 0, 70], 0);
        bytes.set(tail, 8);
        const reply = parseIpDiscoveryResponse(bytes);
        if (!reply.ok) expect(reply.error.code).toBe('IP_DISCOVERY_MALFORMED');
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.ipV4(), fc.ipV6()),
        fc.integer({ min: 0, max: 0xffff }),
        fc.nat({ max: 0xffffffff }),
        (address, port, ssrc) => {
          const parsed = parseIpDiscoveryResponse(buildIpDiscoveryResponse({ ssrc, address, port }), ssrc);
          expect(parsed).toEqual({
            ok: true,
            value: { ssrc, address, port, family: address.includes(':') ? 6 : 4 },
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
