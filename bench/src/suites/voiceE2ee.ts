/**
 * Voice connections per core with E2EE on: N connections in pairs (one DAVE group per pair) in
 * the emulator's channels, which require E2EE, each sending 50 packets/s and receiving its
 * partner's 50. Each library runs in its own child process against the same voice server (in this
 * process); the row is that process's CPU time (user + system, so davey's native code counts too)
 * per connection-second of media, taken after the groups formed and a 2 s warm-up.
 */
import { interleaveRecords } from '../harness.js';
import { allocateMembers, loadVoiceServer } from '../ours/emulatorVoice.js';
import type { Row } from '../report.js';
import { notMeasuredRow, type Suite } from '../suite.js';
import { runVoiceClients } from '../voice/voiceHost.js';

interface E2eeResult {
  cpuMs: number;
  connectionSeconds: number;
  sent: number;
  received: number;
}

export const voiceE2eeSuite: Suite = {
  name: 'voice-e2ee',
  async run(ctx) {
    const startVoiceServer = await loadVoiceServer();
    if (typeof startVoiceServer === 'string')
      return [notMeasuredRow('voice-e2ee', 'voice connections per core with E2EE on', startVoiceServer)];
    const n = ctx.quick ? 4 : 20;
    const seconds = ctx.quick ? 3 : 10;
    const server = await startVoiceServer({ e2ee: 'required' });
    const delivery = { ours: [] as number[], anchor: [] as number[] };
    try {
      const side = (which: 'ours' | 'anchor') => async () => {
        const members = allocateMembers(server, n, { sameUser: false, perChannel: 2 });
        const r = await runVoiceClients<E2eeResult>(
          { type: 'e2ee', side: which, members, caPem: server.caPem, seconds },
          'e2ee',
          { caPath: server.caPath, timeoutMs: 120_000 },
        );
        const perConnSecond = r.cpuMs / r.connectionSeconds;
        delivery[which].push(r.received / Math.max(1, r.sent));
        return { cpu: perConnSecond, perCore: 1000 / perConnSecond };
      };
      ctx.log(`voice-e2ee: ${n} connections per side in pairs, 50 packets/s each way, ${seconds} s`);
      const result = await interleaveRecords(side('ours'), side('anchor'), ctx.quick ? 1 : 3);
      const pct = (xs: number[]) => `${(Math.min(...xs) * 100).toFixed(1)}%`;
      const base = {
        suite: 'voice-e2ee',
        anchorName: '@discordjs/voice 0.19.2 + @snazzah/davey 0.1.12',
        notes: `${n} connections (${n / 2} two-member DAVE groups) through the @cordwire/emulator voice server (wss + UDP, AES-GCM); each sends 50 packets/s (120 B) and receives its partner's; CPU = child process user+system over ${seconds} s; lowest share of sent frames received in a round: ours ${pct(delivery.ours)}, anchor ${pct(delivery.anchor)}`,
      };
      const rows: Row[] = [
        {
          ...base,
          metric: `voice connections per core with E2EE on (${n} connections, 50 packets/s each way)`,
          unit: 'connections',
          better: 'higher',
          ours: result.perCore.ours,
          anchor: result.perCore.anchor,
          // "ours costs at most half the CPU of the anchor" is twice the connections per core.
          target: { kind: 'ratio', min: 2 },
        },
        {
          ...base,
          metric: 'CPU time per connection-second with E2EE on',
          unit: 'ms',
          better: 'lower',
          ours: result.cpu.ours,
          anchor: result.cpu.anchor,
        },
      ];
      return rows;
    } finally {
      await server.close();
    }
  },
};
