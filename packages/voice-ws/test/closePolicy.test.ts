import { voiceCloseCodes, voiceClosePolicy } from '@cordwire/opcodes';
import type { VoiceServer } from '@cordwire/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2EERequiredError, joinVoiceChannel, VoiceCloseError } from '../src/index.js';
import { fastClock, testAdapter, voiceServer, waitFor } from './helpers/harness.js';

/**
 * One table: every voice close code (plus transport codes below 4000) sent by the emulator to
 * a ready connection, and what the connection must do. The expected column is written out
 * rather than read from voiceClosePolicy, so a change to the policy table shows up here.
 */
const table: Array<[code: number, expected: 'resume' | 'newSession' | 'rejoin' | 'fatal']> = [
  [1001, 'resume'],
  [1011, 'resume'],
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

describe('every voice close code leads to its policy', () => {
  let server: VoiceServer;
  beforeAll(async () => {
    server = await voiceServer();
  });
  afterAll(() => server.close());

  it('the table covers every catalogued code', () => {
    const inTable = new Set(table.map(([c]) => c));
    for (const { code } of voiceCloseCodes) expect(inTable.has(code), `code ${code}`).toBe(true);
    for (const [code, expected] of table) expect(voiceClosePolicy(code), `code ${code}`).toBe(expected);
  });

  for (const [code, expected] of table) {
    it(`${code} -> ${expected}`, async () => {
      const userId = `9${code}`;
      const adapter = testAdapter(server, { userId });
      const conn = joinVoiceChannel({
        dave: false,
        guildId: '100',
        channelId: `c${code}`,
        adapterCreator: adapter.creator,
        scheme: 'ws',
        sendClock: fastClock(20),
      });
      try {
        await conn.ready();
        const ssrc = conn.ssrc;
        const resumesBefore = server.stats().resumes;
        const op4Before = adapter.sent.length;
        const states: string[] = [];
        conn.on('stateChange', (_, next) => states.push(next.status));
        server.control.closeMember(userId, code, 'table test');
        if (expected === 'fatal') {
          await waitFor(() => conn.state.status === 'disconnected', 5000, 'disconnected');
          expect(conn.state.closeCode).toBe(code);
          expect(conn.state.error).toBeInstanceOf(VoiceCloseError);
          if (code === 4017) {
            expect(conn.state.error).toBeInstanceOf(E2EERequiredError);
            expect(conn.state.error?.code).toBe('E2EE_REQUIRED');
            expect(conn.state.error?.message).toMatch(/requires E2EE/);
          }
          expect(adapter.sent.length).toBe(op4Before);
          return;
        }
        await waitFor(() => states.length > 1 && conn.state.status === 'ready', 5000, 'back to ready');
        expect(states[0]).toBe(expected === 'rejoin' ? 'signalling' : 'connecting');
        if (expected === 'resume') {
          expect(server.stats().resumes).toBe(resumesBefore + 1);
          expect(conn.ssrc).toBe(ssrc);
          expect(adapter.sent.length).toBe(op4Before);
        } else if (expected === 'newSession') {
          // Identified again on the same endpoint with the same token: new READY, no op 4.
          expect(server.stats().resumes).toBe(resumesBefore);
          expect(conn.ssrc).not.toBe(ssrc);
          expect(adapter.sent.length).toBe(op4Before);
        } else {
          // Rejoined through the main gateway: op 4 again, then a fresh identify.
          expect(adapter.sent.length).toBe(op4Before + 1);
          expect(conn.stats.rejoins).toBe(1);
        }
      } finally {
        conn.destroy();
      }
    });
  }
});
