import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '@cordwire/emulator';
import { MemorySessionStore, RequestGuildMembersTimeoutError, type Shard } from '../src/index.js';
import { gatewayTap } from './gatewayTap.js';
import { emulator, once, shardFor, waitFor } from './helpers.js';

let emu: Emulator | undefined;
let shard: Shard | undefined;
afterEach(async () => {
  shard?.destroy();
  await emu?.close();
  shard = undefined;
  emu = undefined;
});

declare module '../src/index.js' {
  interface GatewayDispatchMap {
    MESSAGE_CREATE: { n: number; content?: string };
  }
}

describe('Shard against the emulator', () => {
  it('types dispatches by name with onDispatch', async () => {
    emu = await emulator();
    shard = shardFor(emu);
    const sessions: string[] = [];
    const ns: number[] = [];
    shard.onDispatch('READY', (d) => sessions.push(d.session_id));
    const stop = shard.onDispatch('MESSAGE_CREATE', (d) => ns.push(d.n));
    await shard.connect();
    await waitFor(() => sessions.length === 1);
    emu.control.dispatch('MESSAGE_CREATE', { n: 1 });
    await waitFor(() => ns.length === 1);
    stop();
    emu.control.dispatch('MESSAGE_CREATE', { n: 2 });
    emu.control.dispatch('MESSAGE_CREATE', { n: 3 });
    await waitFor(() => shard?.session?.sequence === sessions.length + 4, 5000, 'seq');
    expect(ns).toEqual([1]);
    expect(sessions[0]).toBe(shard.session?.sessionId);
  });

  it('identifies, gets READY and dispatches', async () => {
    emu = await emulator();
    shard = shardFor(emu);
    const got: number[] = [];
    shard.on('dispatch', (e) => {
      if (e.t === 'MESSAGE_CREATE') got.push((e.d as { n: number }).n);
    });
    const ready = once(shard, 'ready');
    await shard.connect();
    const r = await ready;
    expect(r.sessionId).toMatch(/.+/);
    emu.control.startStream({ ratePerSecond: 1000, count: 50 });
    await waitFor(() => got.length === 50);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('Shard features over a real socket', () => {
  it('requests guild members and collects the chunks by nonce', async () => {
    emu = await emulator({ memberChunkSize: 1 });
    shard = shardFor(emu, { intents: 1 | 2 });
    const ready = once(shard, 'ready');
    await shard.connect();
    await ready;
    const guildId = '1300000000000000100';
    const chunks = [];
    for await (const chunk of shard.requestGuildMembers({ guild_id: guildId, query: '', limit: 0 }))
      chunks.push(chunk);
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks.map((c) => c.chunk_index)).toEqual(chunks.map((_, i) => i));
    expect(chunks.every((c) => c.chunk_count === chunks.length && c.guild_id === guildId)).toBe(true);
  });

  it('fails a member request with a typed error when no chunk comes', async () => {
    emu = await emulator();
    shard = shardFor(emu, { intents: 1 | 2 });
    const ready = once(shard, 'ready');
    await shard.connect();
    await ready;
    // A guild the bot is not in gets no answer; a chunk for another nonce does not count.
    const iter = shard.requestGuildMembers(
      { guild_id: '1300000000000009999', query: '' },
      { timeoutMs: 200 },
    );
    const collect = async () => {
      const chunks: unknown[] = [];
      for await (const c of iter) chunks.push(c);
      return chunks;
    };
    const result = collect();
    emu.control.dispatch('GUILD_MEMBERS_CHUNK', {
      guild_id: '1300000000000009999',
      members: [],
      chunk_index: 0,
      chunk_count: 1,
      nonce: 'other',
    });
    await expect(result).rejects.toBeInstanceOf(RequestGuildMembersTimeoutError);
    expect(shard.state).toBe('ready');
  });

  it('a restarted process resumes from the session store', async () => {
    emu = await emulator();
    const store = new MemorySessionStore();
    const first = shardFor(emu, { sessionStore: store });
    const ready = once(first, 'ready');
    await first.connect();
    const { sessionId } = await ready;
    // Wait for the 20 streamed events themselves, not for a sequence number: other dispatches
    // (GUILD_CREATE) may take sequence numbers too, and then seq 21 is not the last event.
    let streamed = 0;
    first.on('dispatch', (e) => {
      if (e.t === 'MESSAGE_CREATE') streamed++;
    });
    emu.control.startStream({ ratePerSecond: 1000, count: 20 });
    await waitFor(() => streamed === 20);
    first.destroy({ resumable: true });
    await waitFor(() => store.get(0)?.sequence === first.session?.sequence);
    emu.control.dispatch('MESSAGE_CREATE', { n: 1000 });
    shard = shardFor(emu, { sessionStore: store });
    const got: number[] = [];
    shard.on('dispatch', (e) => {
      if (e.t === 'MESSAGE_CREATE') got.push((e.d as { n: number }).n);
    });
    const resumed = once(shard, 'resumed');
    await shard.connect();
    expect((await resumed).sessionId).toBe(sessionId);
    expect(got).toEqual([1000]);
  });

  it('never puts the token in a debug line or an event, even on failure', async () => {
    emu = await emulator();
    const lines: string[] = [];
    const record = (e: unknown) =>
      lines.push(JSON.stringify(e, (_k, v) => (v instanceof Error ? `${v.name}: ${v.message}` : v)));
    const wrong = `${emu.token}x`;
    for (const token of [emu.token, wrong]) {
      const s = shardFor(emu, { token });
      for (const name of [
        'debug',
        'connecting',
        'closed',
        'reconnecting',
        'fatal',
        'ready',
        'hello',
        'timeout',
      ] as const) {
        s.on(name, record);
      }
      const end = token === wrong ? once(s, 'fatal') : once(s, 'ready');
      await s.connect();
      await end;
      if (token === emu.token) {
        emu.control.reconnect();
        await once(s, 'resumed');
      }
      s.destroy();
    }
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.some((l) => l.includes('4004'))).toBe(true);
    for (const l of lines) {
      expect(l).not.toContain(emu.token);
    }
  });
});

describe('outbound limit against the emulator', () => {
  it('200 presence updates at once: the server receives exactly the user budget of op 3, and no 4008', async () => {
    emu = await emulator({ heartbeatIntervalMs: 41_250 });
    const tap = await gatewayTap(emu.gatewayUrl);
    try {
      // random 0.99: the first heartbeat is ~41 s away, so the window holds IDENTIFY + op 3s only.
      shard = shardFor(emu, { gatewayUrl: tap.url, random: () => 0.99 });
      const ready = once(shard, 'ready');
      await shard.connect();
      await ready;
      let closed = 0;
      shard.on('closed', () => closed++);
      for (let i = 0; i < 200; i++) {
        shard.updatePresence({
          since: null,
          activities: [{ name: `n${i}`, type: 0 }],
          status: 'online',
          afk: false,
        });
      }
      // A server-requested heartbeat is a priority send: it goes out behind whatever op 3 the
      // client sent, and the server ACKs it after reading them, so once the ACK is back the
      // server has read every op 3 of this window (a 121st message would have closed with 4008).
      const acksBefore = tap.serverOps.filter((op) => op === 11).length;
      emu.control.requestHeartbeat();
      await waitFor(
        () => tap.serverOps.filter((op) => op === 11).length > acksBefore || tap.serverCloses.length > 0,
        5000,
        'the ACK of the requested heartbeat',
      );
      const op3 = tap.clientOps.filter((op) => op === 3).length;
      // Budget with a 41.25 s interval: 120 - 2 beats - 2 reserved = 116, less the IDENTIFY.
      expect(tap.clientOps.filter((op) => op === 2)).toHaveLength(1);
      expect(op3).toBe(115);
      expect(tap.clientOps.length).toBeLessThanOrEqual(120);
      expect(tap.serverCloses).toEqual([]);
      expect(closed).toBe(0);
      expect(shard.state).toBe('ready');
    } finally {
      shard?.destroy();
      shard = undefined;
      await tap.close();
    }
  });
});
