import { type Socket, createSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { IpDiscoveryError, VoiceUdpError } from './errors.js';
import {
  IP_DISCOVERY_RESPONSE,
  type IpDiscoveryResponse,
  buildIpDiscoveryRequest,
  parseIpDiscoveryResponse,
} from './ipDiscovery.js';
import { KEEPALIVE_INTERVAL_MS, buildKeepalive } from './keepalive.js';
import { type ClockTimer, systemTimer } from './sendClock.js';

export interface VoiceUdpSocketOptions {
  /** The voice server's media address and port, from READY (op 2). */
  readonly address: string;
  readonly port: number;
  /** Local address to bind; default the OS's choice. Tests bind 127.0.0.1. */
  readonly bindAddress?: string;
  readonly timer?: ClockTimer;
  readonly keepaliveIntervalMs?: number;
}

export interface VoiceUdpSocketStats {
  readonly datagramsSent: number;
  readonly datagramsReceived: number;
  readonly keepalivesSent: number;
  /** Datagrams that looked like discovery replies but were not valid ones. */
  readonly discoveryRejected: number;
  /** Socket errors (ICMP unreachable, send failures), counted whether or not anyone listens. */
  readonly errors: number;
}

export interface VoiceUdpSocketEvents {
  datagram: [datagram: Uint8Array];
  error: [error: Error];
  close: [];
}

/**
 * The thin I/O shell over node:dgram: one connected UDP socket to the voice server. It performs
 * IP discovery, sends keepalives, sends datagrams, and emits every received datagram (feed them
 * to a `VoiceReceiver`). All protocol logic lives in the sans-IO pieces.
 */
export class VoiceUdpSocket extends EventEmitter<VoiceUdpSocketEvents> {
  readonly remote: { readonly address: string; readonly port: number };
  readonly #socket: Socket;
  readonly #timer: ClockTimer;
  readonly #keepaliveIntervalMs: number;
  #keepaliveHandle: unknown = null;
  #closed = false;
  #discovery: ((datagram: Uint8Array) => boolean) | null = null;
  #sent = 0;
  #received = 0;
  #keepalives = 0;
  #discoveryRejected = 0;
  #errors = 0;

  private constructor(socket: Socket, options: VoiceUdpSocketOptions) {
    super();
    this.#socket = socket;
    this.remote = { address: options.address, port: options.port };
    this.#timer = options.timer ?? systemTimer;
    this.#keepaliveIntervalMs = options.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS;
    socket.on('message', (message) => this.#onMessage(message));
    socket.on('error', (error) => this.#onError(error));
    socket.on('close', () => {
      this.#closed = true;
      this.stopKeepalive();
      this.emit('close');
    });
  }

  /** Bind a socket and connect it to the voice server (only its datagrams are delivered). */
  static async connect(options: VoiceUdpSocketOptions): Promise<VoiceUdpSocket> {
    const family = isIP(options.address);
    if (family === 0)
      throw new VoiceUdpError('INVALID_ARGUMENT', 'voice server address must be an IP literal');
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address: options.bindAddress, port: 0 }, () => {
          socket.connect(options.port, options.address, () => {
            socket.off('error', reject);
            resolve();
          });
        });
      });
    } catch (error) {
      socket.close();
      throw error;
    }
    return new VoiceUdpSocket(socket, options);
  }

  get local(): { address: string; port: number } {
    const address = this.#socket.address();
    return { address: address.address, port: address.port };
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): VoiceUdpSocketStats {
    return {
      datagramsSent: this.#sent,
      datagramsReceived: this.#received,
      keepalivesSent: this.#keepalives,
      discoveryRejected: this.#discoveryRejected,
      errors: this.#errors,
    };
  }

  send(datagram: Uint8Array): void {
    if (this.#closed) return;
    this.#sent++;
    this.#socket.send(datagram, this.#afterSend);
  }

  /**
   * One completion callback for every datagram instead of a closure per packet (50 per second per
   * connection). A callback is still needed: without one node:dgram drops synchronous send errors
   * (ECONNREFUSED after an ICMP unreachable) uncounted.
   */
  readonly #afterSend = (error: Error | null): void => {
    if (error) this.#onError(error);
  };

  /**
   * Ask the server which address and port it sees us at (research/anchors.md 3.2). The request is
   * resent every `retryMs` until a valid reply for our SSRC arrives or `timeoutMs` passes.
   * Malformed or foreign replies are ignored and counted, never fatal.
   */
  discoverIp(
    ssrc: number,
    options: { timeoutMs?: number; retryMs?: number } = {},
  ): Promise<IpDiscoveryResponse> {
    if (this.#closed) return Promise.reject(new VoiceUdpError('SOCKET_CLOSED', 'socket is closed'));
    if (this.#discovery)
      return Promise.reject(new VoiceUdpError('INVALID_ARGUMENT', 'IP discovery already running'));
    const request = buildIpDiscoveryRequest(ssrc);
    const timeoutMs = options.timeoutMs ?? 5_000;
    const retryMs = options.retryMs ?? 1_000;
    return new Promise((resolve, reject) => {
      let retry: unknown = null;
      const finish = (): void => {
        this.#discovery = null;
        this.#timer.clearTimeout(timeout);
        if (retry !== null) this.#timer.clearTimeout(retry);
        this.off('close', onClose);
      };
      const onClose = (): void => {
        finish();
        reject(new VoiceUdpError('SOCKET_CLOSED', 'socket closed during IP discovery'));
      };
      const timeout = this.#timer.setTimeout(() => {
        finish();
        reject(new IpDiscoveryError(`no IP discovery reply within ${timeoutMs} ms`, 'IP_DISCOVERY_TIMEOUT'));
      }, timeoutMs);
      const sendRequest = (): void => {
        this.send(request);
        retry = this.#timer.setTimeout(sendRequest, retryMs);
      };
      this.#discovery = (datagram) => {
        // Type 2 in the first two bytes marks a discovery reply whatever its length (RTP starts
        // 0x8_, RTCP 0x8_/0x9_); an oversized or short one is rejected and counted here.
        if (datagram.length < 2 || datagram[0] !== 0 || datagram[1] !== IP_DISCOVERY_RESPONSE) return false;
        const reply = parseIpDiscoveryResponse(datagram, ssrc);
        if (!reply.ok) {
          this.#discoveryRejected++;
          return true;
        }
        finish();
        resolve(reply.value);
        return true;
      };
      this.once('close', onClose);
      sendRequest();
    });
  }

  /** Send a keepalive now and then every interval (default 5 s) until stopped or closed. */
  startKeepalive(ssrc: number): void {
    this.stopKeepalive();
    const datagram = buildKeepalive(ssrc);
    const beat = (): void => {
      if (this.#closed) return;
      this.send(datagram);
      this.#keepalives++;
      this.#keepaliveHandle = this.#timer.setTimeout(beat, this.#keepaliveIntervalMs);
    };
    beat();
  }

  stopKeepalive(): void {
    if (this.#keepaliveHandle !== null) this.#timer.clearTimeout(this.#keepaliveHandle);
    this.#keepaliveHandle = null;
  }

  close(): Promise<void> {
    this.stopKeepalive();
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  /**
   * A connected UDP socket reports ICMP errors (ECONNREFUSED when the server is gone) as socket
   * errors. They are counted and re-emitted only to listeners: an unheard 'error' event would
   * crash the process, and a lost datagram is not worth that.
   */
  #onError(error: Error): void {
    this.#errors++;
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  #onMessage(message: Buffer): void {
    this.#received++;
    const datagram = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
    if (this.#discovery?.(datagram)) return;
    this.emit('datagram', datagram);
  }
}
