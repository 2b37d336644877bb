/**
 * The UDP half of the voice server: an SFU on one socket. It answers IP discovery (74-byte
 * request/response, research/anchors.md 3.2), notes keepalives, decrypts each member's RTP
 * with that member's key and mode, and forwards the same plain packet (header, CSRCs and
 * extension intact) to every other member of the channel, encrypted with the receiver's key
 * and mode. Anything it cannot use is dropped and counted; nothing a peer sends can throw.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import {
  answerIpDiscovery,
  createTransportCipher,
  decryptVoicePacket,
  IP_DISCOVERY_PACKET_LENGTH,
  isRtcpPacket,
  isTransportEncryptionMode,
  type TransportCipher,
} from '@cordwire/voice-udp';
import { NetworkLink, type NetworkConditions } from './networkConditions.js';
import type { VoiceMemberSession } from './voiceSession.js';

export interface MediaRelayCounters {
  datagrams: number;
  ipDiscoveries: number;
  malformedIpDiscovery: number;
  keepalives: number;
  rtp: number;
  rtcp: number;
  forwarded: number;
  /** RTP from an SSRC no member owns, or from an address that is not the owner's. */
  unknownSource: number;
  /** Transport decryption failed: forged tag, wrong key, truncated. */
  decryptFailures: number;
  malformed: number;
  /** Dropped while the server was "crashed". */
  droppedWhileDown: number;
  /** Not forwarded: the receiver sent no keepalive or media within `udpTimeoutMs`. */
  toSilentReceiver: number;
}

export interface MediaRelayPeers {
  bySsrc(ssrc: number): VoiceMemberSession | undefined;
  /** Members of the same channel as `member`, excluding it, with media set up. */
  peersOf(member: VoiceMemberSession): Iterable<VoiceMemberSession>;
  /** Members whose media address is this one (keepalive bookkeeping). */
  byAddress(address: string, port: number): Iterable<VoiceMemberSession>;
}

interface CipherEntry {
  readonly key: Uint8Array;
  readonly mode: string;
  readonly cipher: TransportCipher;
}

export class MediaRelay {
  readonly counters: MediaRelayCounters = {
    datagrams: 0,
    ipDiscoveries: 0,
    malformedIpDiscovery: 0,
    keepalives: 0,
    rtp: 0,
    rtcp: 0,
    forwarded: 0,
    unknownSource: 0,
    decryptFailures: 0,
    malformed: 0,
    droppedWhileDown: 0,
    toSilentReceiver: 0,
  };
  readonly #socket: Socket;
  readonly #peers: MediaRelayPeers;
  readonly #ciphers = new WeakMap<VoiceMemberSession, CipherEntry>();
  /** Links keyed by receiver user id so counters survive a re-identify. */
  readonly #links = new Map<string, NetworkLink>();
  #conditions: NetworkConditions;
  #downUntil = 0;
  readonly #now: () => number;
  readonly #udpTimeoutMs: number;
  readonly #onPayload: ((sender: VoiceMemberSession, payload: Uint8Array) => void) | undefined;

  private constructor(
    socket: Socket,
    peers: MediaRelayPeers,
    conditions: NetworkConditions,
    now: () => number,
    udpTimeoutMs: number,
    onPayload: ((sender: VoiceMemberSession, payload: Uint8Array) => void) | undefined,
  ) {
    this.#udpTimeoutMs = udpTimeoutMs;
    this.#onPayload = onPayload;
    this.#socket = socket;
    this.#peers = peers;
    this.#conditions = conditions;
    this.#now = now;
    socket.on('message', (msg, rinfo) => this.#onDatagram(msg, rinfo));
    socket.on('error', () => {});
  }

  static async start(options: {
    host: string;
    port: number;
    peers: MediaRelayPeers;
    conditions?: NetworkConditions;
    now: () => number;
    /** A receiver silent (no keepalive, no media) this long gets nothing; 0 = never. */
    udpTimeoutMs?: number;
    /** Sees each forwarded payload after transport decryption (what the SFU can read). */
    onPayload?: (sender: VoiceMemberSession, payload: Uint8Array) => void;
  }): Promise<MediaRelay> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port, options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new MediaRelay(
      socket,
      options.peers,
      options.conditions ?? {},
      options.now,
      options.udpTimeoutMs ?? 0,
      options.onPayload,
    );
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** Apply loss/reorder/jitter to every receiver's link (fresh generators from the seed). */
  setConditions(conditions: NetworkConditions): void {
    this.#conditions = conditions;
    let i = 0;
    for (const link of this.#links.values()) link.set({ ...conditions, seed: (conditions.seed ?? 1) + i++ });
  }

  /** Per receiver: what the injected network did to packets bound for that user. */
  linkCounters(userId: string) {
    return this.#links.get(userId)?.counters;
  }

  /** Drop all media until `ms` from now (a crashed server forwards nothing). */
  goDown(ms: number): void {
    this.#downUntil = this.#now() + ms;
  }

  #cipherFor(member: VoiceMemberSession): TransportCipher | undefined {
    const { secretKey, mode } = member;
    if (!secretKey || !mode || !isTransportEncryptionMode(mode)) return undefined;
    const cached = this.#ciphers.get(member);
    if (cached && cached.key === secretKey && cached.mode === mode) return cached.cipher;
    const cipher = createTransportCipher(mode, secretKey);
    this.#ciphers.set(member, { key: secretKey, mode, cipher });
    return cipher;
  }

  #link(userId: string): NetworkLink {
    let link = this.#links.get(userId);
    if (!link) {
      link = new NetworkLink({ ...this.#conditions, seed: (this.#conditions.seed ?? 1) + this.#links.size });
      this.#links.set(userId, link);
    }
    return link;
  }

  #onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    this.counters.datagrams++;
    const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
    try {
      this.#route(bytes, rinfo);
    } catch {
      // A codec bug must not take the relay down; the packet is lost and counted.
      this.counters.malformed++;
    }
  }

  #route(bytes: Uint8Array, rinfo: RemoteInfo): void {
    // IP discovery: type 1, length 70 (anchors.md 3.2).
    if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 1) {
      if (bytes.length !== IP_DISCOVERY_PACKET_LENGTH) {
        this.counters.malformedIpDiscovery++;
        return;
      }
      const ssrc = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(4);
      const member = this.#peers.bySsrc(ssrc);
      if (!member) {
        this.counters.unknownSource++;
        return;
      }
      const answer = answerIpDiscovery(bytes, { address: rinfo.address, port: rinfo.port });
      if (!answer.ok) {
        this.counters.malformedIpDiscovery++;
        return;
      }
      this.counters.ipDiscoveries++;
      member.udpAddress ??= { address: rinfo.address, port: rinfo.port };
      member.lastKeepaliveAt = this.#now();
      this.#socket.send(answer.value, rinfo.port, rinfo.address);
      return;
    }
    // Keepalives: the docs fix no format; clients send 4 (songbird), 8 (discord.js) or 9 (JDA) bytes.
    if (bytes.length <= 12) {
      this.#keepalive(rinfo);
      return;
    }
    const version = bytes[0]! >> 6;
    if (version !== 2) {
      this.counters.malformed++;
      return;
    }
    if (isRtcpPacket(bytes)) {
      this.counters.rtcp++;
      return;
    }
    this.counters.rtp++;
    const ssrc = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(8);
    const sender = this.#peers.bySsrc(ssrc);
    if (!sender || !sameAddress(sender, rinfo)) {
      this.counters.unknownSource++;
      return;
    }
    sender.lastKeepaliveAt = this.#now();
    const cipher = this.#cipherFor(sender);
    if (!cipher) {
      this.counters.unknownSource++;
      return;
    }
    const plain = decryptVoicePacket(cipher, bytes);
    if (!plain.ok) {
      if (plain.error.code.startsWith('TRANSPORT')) this.counters.decryptFailures++;
      else this.counters.malformed++;
      return;
    }
    if (this.#now() < this.#downUntil) {
      this.counters.droppedWhileDown++;
      return;
    }
    this.#onPayload?.(sender, plain.value.payload.slice());
    for (const receiver of this.#peers.peersOf(sender)) {
      const to = receiver.udpAddress;
      const rc = this.#cipherFor(receiver);
      if (!to || !rc) continue;
      // A NAT mapping dies without keepalives; Discord stops sending to a silent client.
      if (this.#udpTimeoutMs > 0 && this.#now() - receiver.lastKeepaliveAt > this.#udpTimeoutMs) {
        this.counters.toSilentReceiver++;
        continue;
      }
      this.#link(receiver.allocation.userId).send(() => {
        const out = rc.encryptRtp(plain.value.rtp);
        this.counters.forwarded++;
        this.#socket.send(out, to.port, to.address);
      });
    }
  }

  #keepalive(rinfo: RemoteInfo): void {
    this.counters.keepalives++;
    // Attribute it to whoever owns that address; unknown addresses are simply counted.
    for (const member of this.#peers.byAddress(rinfo.address, rinfo.port)) {
      member.keepalives++;
      member.lastKeepaliveAt = this.#now();
    }
  }

  async close(): Promise<void> {
    for (const link of this.#links.values()) link.dispose();
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}

function sameAddress(member: VoiceMemberSession, rinfo: RemoteInfo): boolean {
  const a = member.udpAddress;
  if (!a) return false;
  return a.port === rinfo.port && stripMapped(a.address) === stripMapped(rinfo.address);
}

function stripMapped(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
