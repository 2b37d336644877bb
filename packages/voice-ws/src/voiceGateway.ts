/**
 * The socket shell around VoiceGatewayCore: owns one `ws` WebSocket at a time and the
 * heartbeat timer, feeds the core and carries out its actions. Everything it decides comes
 * from the core; this file only does I/O.
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { VoiceWsError } from './errors.js';
import {
  type VoiceGatewayAction,
  VoiceGatewayCore,
  type VoiceGatewayCoreOptions,
  type VoiceReceiveEventMap,
} from './voiceGatewayCore.js';

export interface VoiceGatewayTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realTimers: VoiceGatewayTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export interface VoiceGatewayOptions extends VoiceGatewayCoreOptions {
  /** `host:port` exactly as VOICE_SERVER_UPDATE gives it (no scheme). */
  readonly endpoint: string;
  /** Discord serves wss; `ws` is for local test servers. Default 'wss'. */
  readonly scheme?: 'wss' | 'ws';
  /** Extra trusted CA (PEM) for wss, e.g. the emulator's self-signed certificate. */
  readonly ca?: string | Buffer;
  readonly timers?: VoiceGatewayTimers;
  /** Called with debug lines; never receives tokens or keys. */
  readonly debug?: (line: string) => void;
}

export interface VoiceGatewayCloseInfo {
  readonly code: number;
  readonly policy: string;
}

export interface VoiceGatewayEndInfo {
  readonly policy: 'rejoin' | 'fatal' | 'manual';
  readonly code: number;
  readonly error: VoiceWsError | undefined;
}

export type VoiceGatewayEvents = {
  [K in keyof VoiceReceiveEventMap]: [data: VoiceReceiveEventMap[K], seq: number | undefined];
} & {
  open: [];
  /** The socket closed; `policy` says whether a reconnect follows. */
  close: [info: VoiceGatewayCloseInfo];
  /** Terminal: no more reconnects. */
  end: [info: VoiceGatewayEndInfo];
  invalid: [reason: string];
  debug: [line: string];
};

export class VoiceGateway extends EventEmitter<VoiceGatewayEvents> {
  readonly core: VoiceGatewayCore;
  readonly #opts: VoiceGatewayOptions;
  readonly #timers: VoiceGatewayTimers;
  #ws: WebSocket | undefined;
  #heartbeat: unknown;
  #connectTimer: unknown;

  constructor(options: VoiceGatewayOptions) {
    super();
    this.#opts = options;
    this.#timers = options.timers ?? realTimers;
    this.core = new VoiceGatewayCore(options);
  }

  /** Connects and identifies. Resolves nothing; watch `ready` / `end` events. */
  connect(): void {
    this.#run(this.core.start());
  }

  send(op: number, d: unknown): void {
    this.#run(this.core.send(op, d));
  }

  sendBinary(op: number, payload: Uint8Array): void {
    this.#run(this.core.sendBinary(op, payload));
  }

  destroy(): void {
    this.#run(this.core.destroy());
  }

  #run(actions: VoiceGatewayAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'connect':
          if (a.delayMs > 0) {
            this.#connectTimer = this.#timers.setTimeout(() => this.#open(), a.delayMs);
          } else {
            this.#open();
          }
          break;
        case 'send':
          this.#write(a.data);
          break;
        case 'sendBinary':
          this.#write(a.data);
          break;
        case 'heartbeat':
          if (this.#heartbeat !== undefined) this.#timers.clearInterval(this.#heartbeat);
          this.#heartbeat =
            a.intervalMs === null
              ? undefined
              : this.#timers.setInterval(() => this.#run(this.core.onHeartbeatTimer()), a.intervalMs);
          break;
        case 'terminate':
          this.#drop(a.code, a.reason);
          break;
        case 'event':
          (this.emit as (name: string, ...args: unknown[]) => boolean)(
            a.event.name,
            a.event.data,
            a.event.seq,
          );
          break;
        case 'invalid':
          this.emit('invalid', a.reason);
          break;
        case 'closed':
          this.#log(`closed ${a.code} -> ${a.policy}`);
          this.emit('close', { code: a.code, policy: a.policy });
          break;
        case 'end':
          if (this.#connectTimer !== undefined) this.#timers.clearTimeout(this.#connectTimer);
          this.#drop(1000, 'end');
          this.emit('end', { policy: a.policy, code: a.code, error: a.error });
          break;
      }
    }
  }

  #open(): void {
    this.#connectTimer = undefined;
    this.#drop(1000, 'replaced');
    const scheme = this.#opts.scheme ?? 'wss';
    const url = `${scheme}://${this.#opts.endpoint}/?v=8`;
    this.#log(`connecting to ${url}`);
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, { ca: this.#opts.ca, handshakeTimeout: 15_000, maxPayload: 1 << 20 });
    } catch (error) {
      // A malformed endpoint fails like an unreachable one: the close policy decides what next.
      this.#log(`cannot connect: ${(error as Error).message}`);
      queueMicrotask(() => this.#run(this.core.onClose(1006)));
      return;
    }
    ws.binaryType = 'nodebuffer';
    this.#ws = ws;
    // Events from a socket that was replaced must not reach the core.
    const current = () => this.#ws === ws;
    ws.on('open', () => {
      if (!current()) return;
      this.emit('open');
      this.#run(this.core.onOpen());
    });
    ws.on('message', (data, isBinary) => {
      if (!current()) return;
      const buf = data as Buffer;
      this.#run(
        this.core.onMessage(
          isBinary ? new Uint8Array(buf.buffer, buf.byteOffset, buf.length) : buf.toString('utf8'),
        ),
      );
    });
    ws.on('error', (err) => {
      if (current()) this.#log(`socket error: ${err.message}`);
    });
    ws.on('close', (code) => {
      if (!current()) return;
      this.#ws = undefined;
      this.#run(this.core.onClose(code));
    });
  }

  #write(data: string | Uint8Array): void {
    const ws = this.#ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(data);
  }

  #drop(code: number, reason: string): void {
    const ws = this.#ws;
    this.#ws = undefined;
    if (!ws) return;
    ws.removeAllListeners('message');
    ws.on('error', () => {});
    if (ws.readyState === WebSocket.OPEN) {
      ws.close(code, reason);
      // A dead peer never answers the close; do not wait for it.
      const t = setTimeout(() => ws.terminate(), 1000);
      t.unref();
      ws.once('close', () => clearTimeout(t));
    } else {
      ws.terminate();
    }
  }

  #log(line: string): void {
    this.emit('debug', line);
    this.#opts.debug?.(line);
  }
}
