import { describe, expect, it } from 'vitest';
import { gatewayClosePolicy, gatewayCloseCodes, voiceClosePolicy, voiceCloseCodes } from '../src/index.js';

describe('close code policies', () => {
  it('covers gateway 4000-4016 except the unassigned 4006', () => {
    expect(gatewayCloseCodes.map((c) => c.code)).toEqual([
      4000, 4001, 4002, 4003, 4004, 4005, 4007, 4008, 4009, 4010, 4011, 4012, 4013, 4014, 4015, 4016,
    ]);
  });
  it('follows the documented semantics', () => {
    expect(gatewayClosePolicy(4009)).toBe('newSession');
    expect(gatewayClosePolicy(4004)).toBe('fatal');
    expect(gatewayClosePolicy(1006)).toBe('resume');
    expect(voiceClosePolicy(4015)).toBe('resume');
    expect(voiceClosePolicy(4006)).toBe('rejoin');
    for (const c of [4014, 4017, 4021, 4022]) expect(voiceClosePolicy(c)).toBe('fatal');
    expect(voiceCloseCodes.find((c) => c.code === 4017)?.explanation).toMatch(/DAVE/);
  });
});
