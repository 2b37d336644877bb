/**
 * The gateway half of the emulator's control handle: what sessions exist and what they were
 * sent, dispatches routed like Discord's, numbered streams, and the faults a test injects
 * (op 7, op 9, closes, drops, heartbeat games, raw bytes, bombs), also as a fault script.
 */
import { randomBytes } from 'node:crypto';
import { type EmulatorClock, sleep } from '../clock.js';
import { EmulatorClosedError, EmulatorError } from '../errors.js';
import type { World } from '../world/index.js';
import { type DispatchStream, type StreamOptions, startDispatchStream } from './dispatchStream.js';
import { type FaultScript, type FaultStep, parseFaultScript } from './faultScript.js';
import type { GatewayServer, ResumeRecord, SessionInfo } from './gatewayServer.js';

/** The gateway half of `emu.control`: observations, dispatches and faults. */
export interface GatewayControl {
  sessions(): SessionInfo[];
  identifyLog(): Array<{ shard: [number, number]; at: number }>;
  /** IDENTIFYs refused under identifyPolicy 'refuse', with when they came. */
  identifyRefusals(): Array<{ shard: [number, number]; at: number }>;
  /** Routes like Discord (by guild to its shard, by intents); returns how many sessions got it. */
  dispatch(event: string, data: unknown, opts?: { guildId?: string; sessionId?: string }): number;
  startStream(opts: StreamOptions): DispatchStream;
  reconnect(sessionId?: string): void;
  invalidateSession(resumable: boolean, sessionId?: string): void;
  closeConnection(code: number, reason?: string, sessionId?: string): void;
  dropConnection(sessionId?: string): void;
  setHeartbeatAck(enabled: boolean, sessionId?: string): void;
  requestHeartbeat(sessionId?: string): void;
  setFrameDelay(ms: number): void;
  sendRaw(data: string | Uint8Array, sessionId?: string): void;
  /** Bytes through the connection's compression (zlib-stream, zstd-stream, payload) but no encoding: bombs. */
  sendCompressed(data: string | Uint8Array, sessionId?: string): void;
  runScript(script: FaultScript | unknown): Promise<void>;
  /**
   * single-frame zstd-stream: the next message ends the connection's zstd frame (its last block
   * has Last_Block set) and the message after begins a new frame. Returns how many connections.
   */
  endZstdFrame(sessionId?: string): number;
  /** Gateway connections now, those not identified yet, and upgrades refused by the caps. */
  connectionStats(): { connections: number; pendingHandshakes: number; refusedUpgrades: number };
  /** Every RESUME accepted, in order, with whether it came through `resume_gateway_url`. */
  resumeLog(): ResumeRecord[];
  /**
   * What the bot's gateway was sent: the dispatches of one session (READY and GUILD_CREATE
   * included), or of every session, oldest first, each with its `sessionId`.
   */
  received(sessionId?: string): ReceivedDispatch[];
}

/** One dispatch a session was sent. */
export interface ReceivedDispatch {
  sessionId: string;
  t: string;
  s: number;
  d: unknown;
}

export interface GatewayControlHandle {
  control: GatewayControl;
  /** Stops every running stream (at close). */
  stopStreams(): void;
}

/** Codes an endpoint may put in a close frame: RFC 6455 7.4.1/7.4.2 and the IANA registry. */
function isSendableCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

export function createGatewayControl(
  gateway: GatewayServer,
  world: World,
  clock: EmulatorClock,
  log: (line: string) => void,
  isClosed: () => boolean,
): GatewayControlHandle {
  const streams = new Set<DispatchStream>();
  const guard = () => {
    if (isClosed()) throw new EmulatorClosedError();
  };
  const eachConn = (
    sessionId: string | undefined,
    fn: (c: ReturnType<GatewayServer['targets']>[number]) => void,
  ) => {
    guard();
    for (const conn of gateway.targets(sessionId)) fn(conn);
  };

  const control: GatewayControl = {
    sessions: () => gateway.sessionInfos(),
    identifyLog: () => gateway.identifies.map((e) => ({ shard: [e.shard[0], e.shard[1]], at: e.at })),
    identifyRefusals: () =>
      gateway.refusedIdentifies.map((e) => ({ shard: [e.shard[0], e.shard[1]], at: e.at })),
    dispatch: (event, data, opts) => {
      guard();
      return gateway.dispatch(event, data, opts);
    },
    startStream: (opts) => {
      guard();
      const stream = startDispatchStream(opts, clock, world, (event, data, guildId, sessionId) =>
        gateway.dispatch(event, data, { guildId, ...(sessionId !== undefined ? { sessionId } : {}) }),
      );
      streams.add(stream);
      void stream.done.then(() => streams.delete(stream));
      return stream;
    },
    reconnect: (sessionId) => eachConn(sessionId, (c) => gateway.requestReconnect(c)),
    invalidateSession: (resumable, sessionId) => eachConn(sessionId, (c) => gateway.invalidate(c, resumable)),
    closeConnection: (code, reason = 'closed by the emulator', sessionId) => {
      if (!isSendableCloseCode(code)) {
        throw new EmulatorError(
          'EMULATOR_BAD_OPTION',
          `close code ${code} cannot be sent in a close frame (RFC 6455 7.4)${code === 1006 ? '; use dropConnection()' : ''}`,
        );
      }
      eachConn(sessionId, (c) => gateway.closeConn(c, code, reason));
    },
    dropConnection: (sessionId) => eachConn(sessionId, (c) => c.drop(true)),
    setHeartbeatAck: (enabled, sessionId) =>
      eachConn(sessionId, (c) => {
        c.ackHeartbeats = enabled;
      }),
    requestHeartbeat: (sessionId) => eachConn(sessionId, (c) => c.send({ op: 1, d: null, s: null, t: null })),
    setFrameDelay: (ms) => {
      guard();
      gateway.frameDelayMs = Math.max(0, ms);
    },
    sendRaw: (data, sessionId) => eachConn(sessionId, (c) => c.sendRaw(data)),
    sendCompressed: (data, sessionId) => eachConn(sessionId, (c) => c.sendCompressed(data)),
    runScript: async (input) => {
      guard();
      const script = parseFaultScript(input);
      const start = clock.now();
      const pending: Promise<void>[] = [];
      const ordered = script
        .map((step, i) => ({ step, i }))
        .sort((a, b) => a.step.at - b.step.at || a.i - b.i);
      for (const { step } of ordered) {
        await sleep(clock, start + step.at - clock.now());
        if (isClosed()) return;
        const wait = runStep(step);
        if (wait) pending.push(wait);
      }
      await Promise.all(pending);
    },
    endZstdFrame: (sessionId) => {
      let n = 0;
      eachConn(sessionId, (c) => {
        if (c.endZstdFrame()) n += 1;
      });
      return n;
    },
    connectionStats: () => ({
      connections: gateway.connections.size,
      pendingHandshakes: gateway.pendingHandshakes(),
      refusedUpgrades: gateway.refusedUpgrades,
    }),
    resumeLog: () => gateway.resumes.map((r) => ({ ...r })),
    received: (sessionId) => {
      const out: ReceivedDispatch[] = [];
      for (const session of gateway.sessions.values()) {
        if (sessionId !== undefined && session.id !== sessionId) continue;
        for (const e of session.received) out.push({ sessionId: session.id, t: e.t, s: e.s, d: e.d });
      }
      return out;
    },
  };

  function runStep(step: FaultStep): Promise<void> | undefined {
    const session = 'session' in step ? step.session : undefined;
    log(`script: ${step.do}`);
    switch (step.do) {
      case 'reconnect':
        control.reconnect(session);
        return undefined;
      case 'invalidate':
        control.invalidateSession(step.resumable, session);
        return undefined;
      case 'close':
        control.closeConnection(step.code, step.reason, session);
        return undefined;
      case 'drop':
        control.dropConnection(session);
        return undefined;
      case 'stopAck':
        control.setHeartbeatAck(false, session);
        return undefined;
      case 'startAck':
        control.setHeartbeatAck(true, session);
        return undefined;
      case 'heartbeat':
        control.requestHeartbeat(session);
        return undefined;
      case 'delay':
        control.setFrameDelay(step.ms);
        return undefined;
      case 'garbage': {
        const data =
          step.hex !== undefined
            ? Buffer.from(step.hex, 'hex')
            : step.text !== undefined
              ? step.text
              : randomBytes(step.bytes ?? 64);
        control.sendRaw(data, session);
        return undefined;
      }
      case 'bomb':
        control.sendCompressed(Buffer.alloc(step.bytes, 0x20), session);
        return undefined;
      case 'stream':
        return control.startStream({
          ratePerSecond: step.rate,
          count: step.count,
          ...(step.event !== undefined ? { event: step.event } : {}),
          ...(step.guildId !== undefined ? { guildId: step.guildId } : {}),
          ...(session !== undefined ? { sessionId: session } : {}),
        }).done;
      case 'dispatch':
        control.dispatch(step.event, step.data, {
          ...(step.guildId !== undefined ? { guildId: step.guildId } : {}),
          ...(session !== undefined ? { sessionId: session } : {}),
        });
        return undefined;
    }
  }

  return {
    control,
    stopStreams: () => {
      for (const s of streams) s.stop();
    },
  };
}
