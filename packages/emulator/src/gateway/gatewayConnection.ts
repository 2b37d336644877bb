/**
 * One WebSocket connection to the emulated gateway: the inbound decoder, the heartbeat
 * deadline, the per-connection send limit, and an outbound pipe that encodes, compresses,
 * delays and sends frames strictly in order. Protocol decisions live in gatewayServer.ts.
 */
import type { WebSocket } from 'ws';
import type { EmulatorClock } from '../clock.js';
import { decodeEtfPayload, encodeEtfPayload } from './etf.js';
import { SendRateLimit, type SendLimit } from './sendRateLimit.js';
import type { Encoding, Session } from './session.js';
import {
  type Compressor,
  type CompressMode,
  createCompressor,
  type ZstdFraming,
} from './transportCompression.js';

/** Discord's limit on a payload sent by a client (docs topics/gateway "Sending Events"): 4096 bytes. */
export const MAX_INBOUND_PAYLOAD = 4096;

/** Outbound frames waiting in one connection before it is treated as a dead consumer. */
const MAX_PENDING_FRAMES = 100_000;
/** Bytes `ws` may hold unsent for one connection before it is cut (a client that stopped reading). */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

export interface OutboundPayload {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

export interface InboundPayload {
  op: number;
  d: unknown;
}

export type ConnectionState = 'new' | 'identifying' | 'ready';

export type DecodeResult = { ok: true; payload: InboundPayload } | { ok: false; reason: string };

let nextConnectionId = 1;

export class GatewayConnection {
  readonly id = nextConnectionId++;
  state: ConnectionState = 'new';
  session: Session | null = null;
  /**
   * The session an op 9 (d=true) detached from this connection: it may RESUME it on this socket.
   * Faults aimed at that session still reach this connection.
   */
  invalidatedSession: Session | null = null;
  ackHeartbeats = true;
  /** Set once a close was decided (by either side); inbound frames are then ignored. */
  closing = false;
  closed = false;
  /** Whether the attached session stays resumable after this connection ends. */
  keepSessionOnClose = true;
  cancelIdentify: (() => void) | undefined;
  readonly rate: SendRateLimit;
  private compressor: Compressor;
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private heartbeatTimer: unknown;
  private reconnectTimer: unknown;
  private identifyTimer: unknown;

  constructor(
    readonly ws: WebSocket,
    readonly apiVersion: number,
    readonly encoding: Encoding,
    readonly transport: CompressMode,
    private readonly clock: EmulatorClock,
    sendLimit: SendLimit,
    private readonly frameDelay: () => number,
    private readonly log: (line: string) => void,
    zstdFraming: ZstdFraming = 'per-message',
    /** The request path the client connected to (tells `resume_gateway_url` from the gateway URL). */
    readonly path = '/',
  ) {
    this.compressor = createCompressor(transport, zstdFraming);
    this.rate = new SendRateLimit(sendLimit, clock);
  }

  get compress(): CompressMode {
    return this.compressor.mode;
  }

  /** `compress: true` in IDENTIFY, honoured only when no transport compression is active. */
  usePayloadCompression(): void {
    if (this.compressor.mode === 'none') this.compressor = createCompressor('payload');
  }

  decode(data: Buffer, isBinary: boolean): DecodeResult {
    if (data.length > MAX_INBOUND_PAYLOAD) {
      return { ok: false, reason: `payload of ${data.length} bytes exceeds ${MAX_INBOUND_PAYLOAD}` };
    }
    let value: unknown;
    try {
      if (this.encoding === 'etf') {
        if (!isBinary) return { ok: false, reason: 'expected a binary ETF frame' };
        value = decodeEtfPayload(new Uint8Array(data.buffer, data.byteOffset, data.length));
      } else {
        value = JSON.parse(data.toString('utf8'));
      }
    } catch {
      return { ok: false, reason: `not valid ${this.encoding}` };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, reason: 'payload is not an object' };
    }
    const op = (value as { op?: unknown }).op;
    if (typeof op !== 'number' || !Number.isInteger(op)) {
      return { ok: false, reason: 'payload has no integer op' };
    }
    return { ok: true, payload: { op, d: (value as { d?: unknown }).d } };
  }

  /** (Re)starts the deadline for the next heartbeat; `onMiss` runs if none arrives in time. */
  armHeartbeatDeadline(ms: number, onMiss: () => void): void {
    if (this.heartbeatTimer !== undefined) this.clock.clearTimeout(this.heartbeatTimer);
    if (this.closed) return;
    this.heartbeatTimer = this.clock.setTimeout(() => {
      this.heartbeatTimer = undefined;
      onMiss();
    }, ms);
  }

  /** Runs `onExpire` after `ms` unless cleared (IDENTIFY/RESUME accepted) or the connection ends. */
  armIdentifyDeadline(ms: number, onExpire: () => void): void {
    this.clearIdentifyDeadline();
    if (this.closing || this.closed) return;
    this.identifyTimer = this.clock.setTimeout(() => {
      this.identifyTimer = undefined;
      if (!this.closing && !this.closed) onExpire();
    }, ms);
  }

  clearIdentifyDeadline(): void {
    if (this.identifyTimer !== undefined) this.clock.clearTimeout(this.identifyTimer);
    this.identifyTimer = undefined;
  }

  /**
   * single-frame zstd-stream: the next message carries the frame's Last_Block and the message
   * after starts a new frame. Ordered with the other sends. False when there is no such frame.
   */
  endZstdFrame(): boolean {
    const compressor = this.compressor;
    if (this.closing || this.closed || !compressor.endFrame) return false;
    this.enqueue(() => compressor.endFrame?.());
    return true;
  }

  /** Runs `onExpire` after `ms` unless the connection ends first (op 7 grace). Replaces an earlier one. */
  armReconnectDeadline(ms: number, onExpire: () => void): void {
    if (this.reconnectTimer !== undefined) this.clock.clearTimeout(this.reconnectTimer);
    if (this.closing || this.closed) return;
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closing && !this.closed) onExpire();
    }, ms);
  }

  send(payload: OutboundPayload): void {
    if (this.closing || this.closed) return;
    const compressor = this.compressor;
    const encoding = this.encoding;
    const due = this.clock.now() + this.frameDelay();
    this.enqueue(async () => {
      let data: string | Uint8Array;
      if (encoding === 'etf') {
        data = encodeEtfPayload(payload);
      } else {
        data = JSON.stringify(payload);
      }
      if (compressor.mode !== 'none') {
        data = await compressor.compress(typeof data === 'string' ? Buffer.from(data) : data);
      }
      await this.waitUntil(due);
      this.write(data);
    });
  }

  /** Bytes or text exactly as given: garbage, truncated zlib, bombs. Ordered with other frames. */
  sendRaw(data: string | Uint8Array): void {
    if (this.closing || this.closed) return;
    const due = this.clock.now() + this.frameDelay();
    this.enqueue(async () => {
      await this.waitUntil(due);
      this.write(data);
    });
  }

  /**
   * Bytes through this connection's compression but no encoding: with zlib-stream a highly
   * compressible payload becomes a decompression bomb in the client's own inflate context.
   */
  sendCompressed(data: string | Uint8Array): void {
    if (this.closing || this.closed) return;
    const compressor = this.compressor;
    const due = this.clock.now() + this.frameDelay();
    this.enqueue(async () => {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      const out = compressor.mode === 'none' ? data : await compressor.compress(bytes);
      await this.waitUntil(due);
      this.write(out);
    });
  }

  /** Closes after every frame already queued went out, so an op 7 or op 9 arrives before the close. */
  close(code: number, reason: string, keepSession: boolean): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    this.keepSessionOnClose = keepSession;
    this.enqueue(() => {
      if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
        this.ws.close(code, reason);
      }
    });
  }

  /** Destroys the TCP connection without a close frame (the client sees 1006). */
  drop(keepSession = true): void {
    if (this.closed) return;
    this.closing = true;
    this.keepSessionOnClose = keepSession;
    this.ws.terminate();
  }

  /** Called once the socket is gone; releases timers and the deflate context. */
  dispose(): void {
    this.closed = true;
    this.closing = true;
    if (this.heartbeatTimer !== undefined) this.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    if (this.reconnectTimer !== undefined) this.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.clearIdentifyDeadline();
    this.cancelIdentify?.();
    this.cancelIdentify = undefined;
    this.compressor.close();
  }

  private enqueue(job: () => Promise<void> | void): void {
    if (this.pending >= MAX_PENDING_FRAMES) {
      this.log(`connection ${this.id}: ${this.pending} frames pending, dropping the connection`);
      this.drop();
      return;
    }
    this.pending += 1;
    this.chain = this.chain
      .then(() => (this.closed ? undefined : job()))
      .catch((err: unknown) => {
        this.log(`connection ${this.id}: send failed: ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => {
        this.pending -= 1;
      });
  }

  private waitUntil(due: number): Promise<void> | undefined {
    const wait = due - this.clock.now();
    if (wait <= 0) return undefined;
    return new Promise((resolve) => this.clock.setTimeout(resolve, wait));
  }

  private write(data: string | Uint8Array): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.log(`connection ${this.id}: client is not reading, dropping the connection`);
      this.drop();
      return;
    }
    this.ws.send(data, { binary: typeof data !== 'string' });
  }
}
