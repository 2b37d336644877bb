import type { Emulator } from '@cordwire/emulator';
import { WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator, waitFor } from './helpers.js';

// An independent client (@discordjs/ws) against the same emulator our client is tested on:
// if it connects, identifies, gets READY and a stream, and resumes after op 7, the emulator
// behaves like Discord where our tests rely on it.

let emu: Emulator;
let manager: WebSocketManager | undefined;
beforeAll(async () => {
  emu = await emulator({ heartbeatIntervalMs: 30_000 });
});
afterAll(async () => {
  await manager?.destroy();
  await emu.close();
});

describe('@discordjs/ws against the emulator', () => {
  it('identifies, receives READY and dispatches, and resumes after op 7', async () => {
    const rest = new REST({ api: emu.apiUrl }).setToken(emu.token);
    manager = new WebSocketManager({
      token: emu.token,
      intents: 1 | 512 | 4096 | 32768,
      rest: rest as never,
    });
    const events: string[] = [];
    const ns: number[] = [];
    let resumed = 0;
    let sessionId: string | undefined;
    manager.on(WebSocketShardEvents.Dispatch, (payload) => {
      events.push(payload.t);
      if (payload.t === 'READY') sessionId = (payload.d as { session_id: string }).session_id;
      if (payload.t === 'MESSAGE_CREATE') ns.push((payload.d as unknown as { n: number }).n);
    });
    manager.on(WebSocketShardEvents.Resumed, () => {
      resumed++;
    });
    await manager.connect();
    await waitFor(() => sessionId !== undefined, 10_000, 'READY');
    expect(events[0]).toBe('READY');

    const first = emu.control.startStream({ ratePerSecond: 2000, count: 100 });
    await first.done;
    await waitFor(() => ns.length === 100, 10_000, 'first 100 dispatches');

    emu.control.reconnect(sessionId);
    await waitFor(() => resumed === 1, 10_000, 'RESUMED');
    const second = emu.control.startStream({ ratePerSecond: 2000, count: 100 });
    await second.done;
    await waitFor(() => ns.length === 200, 10_000, 'next 100 dispatches');
    expect(ns.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(new Set(ns.slice(100)).size).toBe(100);
    expect(emu.control.sessions().filter((s) => s.sessionId === sessionId && s.connected)).toHaveLength(1);
  });
});
