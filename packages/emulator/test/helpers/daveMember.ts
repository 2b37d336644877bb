// A voice-gateway member that speaks DAVE over a real WebSocket and UDP socket, driving either our
// DaveSession or @snazzah/davey (or no DAVE at all) through the flows of research/dave.md 2.4. It
// records everything it is sent so tests can assert on the external sender's behaviour.
import { createSocket, type Socket } from 'node:dgram';
import { createRequire } from 'node:module';
import { DaveSession, MediaType } from '@cordwire/dave-mls';
import {
  buildRtpPacket,
  createTransportCipher,
  decryptVoicePacket,
  type TransportCipher,
} from '@cordwire/voice-udp';
import WebSocket from 'ws';
/** What a member needs of a voice server: an in-process one, or a proxy to one in a child process. */
export interface VoiceEndpoint {
  readonly plainEndpoint: string | undefined;
  readonly udpPort: number;
  allocate(request: {
    guildId: string;
    channelId: string;
    userId: string;
    sessionId: string;
  }): { token: string } | Promise<{ token: string }>;
}

const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: davey's typings use const enums; we pass numbers.
const davey: any = require('@snazzah/davey');
const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.length);

/** The few DAVE session operations the member needs, whichever implementation is behind them. */
interface DaveImpl {
  setExternalSender(op25: Uint8Array): Promise<void>;
  keyPackage(): Promise<Uint8Array>;
  processProposals(
    op27: Uint8Array,
    recognized: string[],
  ): Promise<{ commit?: Uint8Array; welcome?: Uint8Array }>;
  processCommit(commit: Uint8Array, transitionId: number): Promise<void>;
  processWelcome(welcome: Uint8Array, transitionId: number): Promise<void>;
  /** Op 24 epoch 1 and op 31 recovery: a fresh pending group and key package. */
  restart(): Promise<Uint8Array>;
  prepareTransition(transitionId: number, protocolVersion: number): void;
  executeTransition(transitionId: number): void;
  encryptOpus(frame: Uint8Array): Uint8Array;
  decrypt(userId: string, frame: Uint8Array): Uint8Array;
  epoch(): bigint | null;
  userIds(): string[];
  privacyCode(): string;
  verificationCode(userId: string): Promise<string>;
}

class OursImpl implements DaveImpl {
  readonly session: DaveSession;
  constructor(userId: string, channelId: string) {
    this.session = new DaveSession(1, userId, channelId);
  }
  setExternalSender(op25: Uint8Array) {
    return this.session.setExternalSender(op25);
  }
  keyPackage() {
    return this.session.getSerializedKeyPackage();
  }
  processProposals(op27: Uint8Array, recognized: string[]) {
    return this.session.processProposals(op27[0]!, op27.subarray(1), recognized);
  }
  async processCommit(commit: Uint8Array, transitionId: number) {
    await this.session.processCommit(commit, transitionId);
  }
  async processWelcome(welcome: Uint8Array, transitionId: number) {
    await this.session.processWelcome(welcome, transitionId);
  }
  async restart() {
    return (await this.session.prepareEpoch(1))!;
  }
  prepareTransition(transitionId: number, protocolVersion: number) {
    this.session.prepareTransition(transitionId, protocolVersion);
  }
  executeTransition(transitionId: number) {
    this.session.executeTransition(transitionId);
  }
  encryptOpus(frame: Uint8Array) {
    return this.session.encryptOpus(frame);
  }
  decrypt(userId: string, frame: Uint8Array) {
    return this.session.decrypt(userId, MediaType.AUDIO, frame);
  }
  epoch() {
    return this.session.epoch;
  }
  userIds() {
    return this.session.getUserIds();
  }
  privacyCode() {
    return this.session.voicePrivacyCode;
  }
  verificationCode(userId: string) {
    return this.session.getVerificationCode(userId);
  }
}

/** davey has no notion of transitions: keys switch when a commit or Welcome is processed. */
class DaveyImpl implements DaveImpl {
  // biome-ignore lint/suspicious/noExplicitAny: native session object.
  readonly session: any;
  constructor(
    readonly userId: string,
    readonly channelId: string,
  ) {
    this.session = new davey.DAVESession(1, userId, channelId);
  }
  async setExternalSender(op25: Uint8Array) {
    this.session.setExternalSender(buf(op25));
  }
  async keyPackage() {
    return new Uint8Array(this.session.getSerializedKeyPackage());
  }
  async processProposals(op27: Uint8Array, recognized: string[]) {
    const r = this.session.processProposals(op27[0], buf(op27.subarray(1)), recognized);
    return {
      commit: r.commit ? new Uint8Array(r.commit) : undefined,
      welcome: r.welcome ? new Uint8Array(r.welcome) : undefined,
    };
  }
  async processCommit(commit: Uint8Array) {
    this.session.processCommit(buf(commit));
  }
  async processWelcome(welcome: Uint8Array) {
    this.session.processWelcome(buf(welcome));
  }
  async restart() {
    this.session.reinit(1, this.userId, this.channelId);
    return new Uint8Array(this.session.getSerializedKeyPackage());
  }
  prepareTransition(_transitionId: number, protocolVersion: number) {
    if (protocolVersion === 0) this.session.setPassthroughMode(true);
  }
  executeTransition() {}
  encryptOpus(frame: Uint8Array) {
    return new Uint8Array(this.session.encryptOpus(buf(frame)));
  }
  decrypt(userId: string, frame: Uint8Array) {
    return new Uint8Array(this.session.decrypt(userId, 0, buf(frame)));
  }
  epoch() {
    return this.session.epoch as bigint | null;
  }
  userIds() {
    return this.session.getUserIds() as string[];
  }
  privacyCode() {
    return this.session.voicePrivacyCode as string;
  }
  verificationCode(userId: string) {
    return this.session.getVerificationCode(userId) as Promise<string>;
  }
}

export type MemberKind = 'ours' | 'davey' | 'none';

export interface MemberOptions {
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly kind: MemberKind;
  /** Never answer op 29/30/21 with op 23 (a member that never becomes ready). */
  readonly neverReady?: boolean;
}

type Json = { op: number; d: unknown; seq?: number };
type Binary = { op: number; seq: number; payload: Uint8Array };

export async function poll(condition: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export class DaveMember {
  readonly userId: string;
  readonly json: Json[] = [];
  readonly binary: Binary[] = [];
  readonly recognized = new Set<string>();
  readonly executed: number[] = [];
  readonly errors: string[] = [];
  /** Plain Opus frames received per sender, after transport and DAVE decryption. */
  readonly received = new Map<string, Uint8Array[]>();
  readonly decryptFailures: string[] = [];
  impl: DaveImpl | undefined;
  protocolVersion: number | undefined;
  closeCode: number | undefined;
  ssrc = 0;
  /** Fail processing the next op 29 or op 30 (answer op 31 and recover). */
  failNext: 'commit' | 'welcome' | undefined;
  /** While set, op 27 waits (and everything after it): a member slow to commit. */
  #hold: { promise: Promise<void>; release: () => void } | undefined;
  readonly #opts: MemberOptions;
  readonly #ws: WebSocket;
  readonly #udp: Socket;
  #cipher: TransportCipher | undefined;
  #queue: Promise<void> = Promise.resolve();
  #sequence = 0;
  readonly #ssrcs = new Map<number, string>();
  readonly #server: VoiceEndpoint;

  private constructor(server: VoiceEndpoint, options: MemberOptions, udp: Socket, token: string) {
    this.#server = server;
    this.#opts = options;
    this.userId = options.userId;
    this.#udp = udp;
    const sessionId = `s-${options.userId}`;
    this.#ws = new WebSocket(`ws://${server.plainEndpoint}/?v=8`);
    this.#ws.on('error', () => {});
    this.#ws.on('close', (code) => {
      this.closeCode = code;
    });
    this.#ws.on('open', () =>
      this.#send(0, {
        server_id: options.guildId,
        user_id: options.userId,
        session_id: sessionId,
        token,
        max_dave_protocol_version: options.kind === 'none' ? 0 : 1,
      }),
    );
    this.#ws.on('message', (data: Buffer, isBinary: boolean) => {
      // Recorded on arrival; handled in order (a held op 27 holds back what follows it).
      const bytes = new Uint8Array(data);
      let record: Json | Binary;
      if (isBinary) {
        record = { op: bytes[2]!, seq: (bytes[0]! << 8) | bytes[1]!, payload: bytes.subarray(3) };
        this.binary.push(record);
      } else {
        record = JSON.parse(Buffer.from(bytes).toString('utf8')) as Json;
        this.json.push(record);
      }
      this.#queue = this.#queue
        .then(() => this.#onMessage(record, isBinary))
        .catch((e: Error) => {
          this.errors.push(e.message);
        });
    });
    udp.on('message', (msg) => this.#onDatagram(new Uint8Array(msg)));
  }

  static async join(server: VoiceEndpoint, options: MemberOptions): Promise<DaveMember> {
    const { token } = await server.allocate({
      guildId: options.guildId,
      channelId: options.channelId,
      userId: options.userId,
      sessionId: `s-${options.userId}`,
    });
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    return new DaveMember(server, options, udp, token);
  }

  holdProposals(): void {
    let release = () => {};
    const promise = new Promise<void>((r) => {
      release = r;
    });
    this.#hold = { promise, release };
  }

  releaseProposals(): void {
    const hold = this.#hold;
    this.#hold = undefined;
    hold?.release();
  }

  /** Every JSON message with this op. */
  ops(op: number): Json[] {
    return this.json.filter((m) => m.op === op);
  }

  binaryOps(op: number): Binary[] {
    return this.binary.filter((m) => m.op === op);
  }

  get sessionDescribed(): boolean {
    return this.protocolVersion !== undefined;
  }

  close(): void {
    this.#ws.close();
    this.#udp.close();
  }

  /** Raw client binary frame (op byte + payload), for malformed-input tests. */
  sendBinary(op: number, payload: Uint8Array): void {
    this.#ws.send(Buffer.concat([Uint8Array.of(op), payload]));
  }

  sendJson(op: number, d: unknown): void {
    this.#send(op, d);
  }

  /** Sends one Opus frame: DAVE-encrypted when DAVE is on, then transport-encrypted RTP. */
  sendOpus(frame: Uint8Array): void {
    const cipher = this.#cipher;
    if (!cipher) throw new Error('no transport key yet');
    const payload = this.protocolVersion && this.impl ? this.impl.encryptOpus(frame) : frame;
    this.#sequence = (this.#sequence + 1) & 0xffff;
    const packet = cipher.encryptRtp(
      buildRtpPacket(
        { sequence: this.#sequence, timestamp: this.#sequence * 960, ssrc: this.ssrc, payloadType: 120 },
        payload,
      ),
    );
    this.#udp.send(packet, this.#server.udpPort, '127.0.0.1');
  }

  #send(op: number, d: unknown): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify({ op, d }));
  }

  #sendBinaryOp(op: number, payload: Uint8Array): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(Buffer.concat([Uint8Array.of(op), payload]));
  }

  async #sendKeyPackage(kp: Promise<Uint8Array>): Promise<void> {
    this.#sendBinaryOp(26, await kp);
  }

  async #onMessage(record: Json | Binary, isBinary: boolean): Promise<void> {
    if (isBinary) return this.#onBinary(record.op, (record as Binary).payload);
    const msg = record as Json;
    const d = msg.d as Record<string, unknown>;
    switch (msg.op) {
      case 2: {
        this.ssrc = d.ssrc as number;
        this.#send(1, {
          protocol: 'udp',
          data: { address: '127.0.0.1', port: this.#udp.address().port, mode: 'aead_aes256_gcm_rtpsize' },
        });
        return;
      }
      case 4: {
        this.#cipher = createTransportCipher(
          'aead_aes256_gcm_rtpsize',
          Uint8Array.from(d.secret_key as number[]),
        );
        this.#send(5, { speaking: 1, delay: 0, ssrc: this.ssrc });
        // A second SESSION_DESCRIPTION (SELECT_PROTOCOL again) keeps the DAVE session as it is.
        if (this.impl || this.#opts.kind === 'none') {
          this.protocolVersion ??= d.dave_protocol_version as number;
          return;
        }
        this.impl =
          this.#opts.kind === 'ours'
            ? new OursImpl(this.userId, this.#opts.channelId)
            : new DaveyImpl(this.userId, this.#opts.channelId);
        this.protocolVersion = d.dave_protocol_version as number;
        if (this.protocolVersion >= 1) await this.#sendKeyPackage(this.impl.keyPackage());
        return;
      }
      case 5:
        this.#ssrcs.set(d.ssrc as number, d.user_id as string);
        return;
      case 11:
        for (const id of d.user_ids as string[]) this.recognized.add(id);
        return;
      case 13:
        this.recognized.delete(d.user_id as string);
        return;
      case 21: {
        const id = d.transition_id as number;
        this.impl?.prepareTransition(id, d.protocol_version as number);
        if (id === 0) this.#execute(0, d.protocol_version as number);
        else if (!this.#opts.neverReady) this.#send(23, { transition_id: id });
        this.#pendingVersion.set(id, d.protocol_version as number);
        return;
      }
      case 22: {
        const id = d.transition_id as number;
        this.impl?.executeTransition(id);
        this.#execute(id, this.#pendingVersion.get(id));
        return;
      }
      case 24: {
        if (!this.impl || Number(d.epoch) !== 1) return;
        this.#pendingVersion.set(-1, d.protocol_version as number);
        await this.#sendKeyPackage(this.impl.restart());
        return;
      }
    }
  }

  readonly #pendingVersion = new Map<number, number>();

  #execute(id: number, version: number | undefined): void {
    this.executed.push(id);
    if (version !== undefined) this.protocolVersion = version;
    else if (this.#pendingVersion.has(-1)) this.protocolVersion = this.#pendingVersion.get(-1);
  }

  async #onBinary(op: number, payload: Uint8Array): Promise<void> {
    const impl = this.impl;
    if (!impl) return;
    switch (op) {
      case 25:
        return impl.setExternalSender(payload);
      case 27: {
        if (this.#hold) await this.#hold.promise;
        const result = await impl.processProposals(payload, [...this.recognized]);
        if (result.commit)
          this.#sendBinaryOp(
            28,
            result.welcome ? Buffer.concat([result.commit, result.welcome]) : result.commit,
          );
        return;
      }
      case 29:
      case 30: {
        const id = (payload[0]! << 8) | payload[1]!;
        const body = payload.subarray(2);
        const kind = op === 29 ? 'commit' : 'welcome';
        try {
          if (this.failNext === kind) {
            this.failNext = undefined;
            throw new Error(`simulated failure processing the ${kind}`);
          }
          if (op === 29) await impl.processCommit(body, id);
          else await impl.processWelcome(body, id);
        } catch (error) {
          this.errors.push(`${kind}: ${(error as Error).message}`);
          this.#send(31, { transition_id: id });
          await this.#sendKeyPackage(impl.restart());
          return;
        }
        if (id === 0) this.#execute(0, undefined);
        else if (!this.#opts.neverReady) this.#send(23, { transition_id: id });
        return;
      }
    }
  }

  #onDatagram(bytes: Uint8Array): void {
    const cipher = this.#cipher;
    if (!cipher || bytes.length <= 12) return;
    const plain = decryptVoicePacket(cipher, bytes);
    if (!plain.ok) return;
    const from = this.#ssrcs.get(plain.value.header.ssrc);
    if (!from) return;
    let frame = plain.value.payload;
    if (this.protocolVersion && this.impl) {
      try {
        frame = this.impl.decrypt(from, frame);
      } catch (error) {
        this.decryptFailures.push(`${from}: ${(error as Error).message}`);
        return;
      }
    }
    const list = this.received.get(from) ?? [];
    list.push(Uint8Array.from(frame));
    this.received.set(from, list);
  }
}
