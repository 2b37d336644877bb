import { describe, expect, it } from 'vitest';
import {
  type ClosePolicy,
  gatewayCloseCodeInfo,
  gatewayClosePolicy,
  gatewayCloseCodes,
  voiceCloseCodeInfo,
  voiceClosePolicy,
  voiceCloseCodes,
} from '../src/index.js';

// The whole policy table, written out so any change to a policy is a visible diff here.
// Sources: research/anchors.md 1.1 (gateway, docs' Reconnect column) and 2 / 3.1 (voice).
const gatewayTable: [number, ClosePolicy][] = [
  [4000, 'resume'],
  [4001, 'resume'],
  [4002, 'resume'],
  [4003, 'newSession'],
  [4004, 'fatal'],
  [4005, 'newSession'],
  [4007, 'newSession'],
  [4008, 'resume'],
  [4009, 'newSession'],
  [4010, 'fatal'],
  [4011, 'fatal'],
  [4012, 'fatal'],
  [4013, 'fatal'],
  [4014, 'fatal'],
  [4015, 'fatal'],
  [4016, 'fatal'],
];
const voiceTable: [number, ClosePolicy][] = [
  [4001, 'newSession'],
  [4002, 'newSession'],
  [4003, 'newSession'],
  [4004, 'rejoin'],
  [4005, 'newSession'],
  [4006, 'rejoin'],
  [4009, 'rejoin'],
  [4011, 'rejoin'],
  [4012, 'fatal'],
  [4014, 'fatal'],
  [4015, 'resume'],
  [4016, 'fatal'],
  [4017, 'fatal'],
  [4020, 'fatal'],
  [4021, 'fatal'],
  [4022, 'fatal'],
];

describe('close code policies', () => {
  it('covers gateway 4000-4016 except the unassigned 4006', () => {
    expect(gatewayCloseCodes.map((c) => c.code)).toEqual(gatewayTable.map(([c]) => c));
  });
  it.each(gatewayTable)('gateway %i -> %s', (code, policy) => {
    expect(gatewayClosePolicy(code)).toBe(policy);
    expect(gatewayCloseCodeInfo(code)?.policy).toBe(policy);
  });
  it.each(voiceTable)('voice %i -> %s', (code, policy) => {
    expect(voiceClosePolicy(code)).toBe(policy);
    expect(voiceCloseCodeInfo(code)?.policy).toBe(policy);
  });
  it('covers every voice code of the docs', () => {
    expect(voiceCloseCodes.map((c) => c.code)).toEqual(voiceTable.map(([c]) => c));
  });
  it('follows the documented semantics for codes outside the tables', () => {
    expect(gatewayClosePolicy(1000)).toBe('resume');
    expect(gatewayClosePolicy(1006)).toBe('resume');
    expect(gatewayClosePolicy(4999)).toBe('resume');
    expect(voiceClosePolicy(1006)).toBe('resume');
    expect(voiceClosePolicy(4999)).toBe('rejoin');
    expect(voiceCloseCodes.find((c) => c.code === 4017)?.explanation).toMatch(/DAVE/);
  });
});
