import type { Emulator } from '@cordwire/emulator';
import { gatewayCloseCodes, gatewayClosePolicy } from '@cordwire/opcodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayFatalCloseError } from '../src/index.js';
import { emulator, once, shardFor } from './helpers.js';

// Every gateway close code, plus 1000 (normal) and 1006 (no close frame), over a real socket:
// the client must do exactly what the code's policy in @cordwire/opcodes says.
const codes = [...gatewayCloseCodes.map((c) => c.code as number), 1000, 1006];

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator();
});
afterAll(async () => {
  await emu.close();
});

describe('close-code table', () => {
  // The cases below are generated from the catalog: an emptied catalog must fail here.
  it('has every catalog close code (4000-4016 but 4006) plus 1000 and 1006 to test', () => {
    expect(codes.length).toBeGreaterThanOrEqual(18);
  });

  it.each(codes)('close %i follows its policy', async (code) => {
    const policy = gatewayClosePolicy(code);
    const shard = shardFor(emu);
    try {
      const ready = await (async () => {
        const r = once(shard, 'ready');
        await shard.connect();
        return r;
      })();
      const closed = once(shard, 'closed', (e) => !e.byClient);
      const next =
        policy === 'fatal' ? once(shard, 'fatal') : once(shard, 'connecting', (e) => e.attempt === 2);
      let missed = false;
      shard.on('eventsMayHaveBeenMissed', () => {
        missed = true;
      });
      if (code === 1006) emu.control.dropConnection(ready.sessionId);
      else emu.control.closeConnection(code, 'table test', ready.sessionId);
      const c = await closed;
      expect(c.code).toBe(code);
      expect(c.policy).toBe(policy);
      const n = await next;
      if (policy === 'fatal') {
        const error = (n as { error: unknown }).error;
        expect(error).toBeInstanceOf(GatewayFatalCloseError);
        expect((error as GatewayFatalCloseError).closeCode).toBe(code);
        expect(shard.state).toBe('fatal');
      } else if (policy === 'resume') {
        expect((n as { resume: boolean }).resume).toBe(true);
        await once(shard, 'resumed');
        expect(missed).toBe(false);
      } else {
        expect(policy).toBe('newSession');
        expect((n as { resume: boolean }).resume).toBe(false);
        expect(missed).toBe(true);
        const again = await once(shard, 'ready');
        expect(again.sessionId).not.toBe(ready.sessionId);
      }
    } finally {
      shard.destroy();
    }
  });
});
