/**
 * Who is in which call: the voice sessions op 4 allocated (keyed by guild and user), their
 * SSRCs, and the membership messages Discord sends when people join, move and leave
 * (CLIENTS_CONNECT 11, FLAGS 18, PLATFORM 20, CLIENT_DISCONNECT 13, SPEAKING 5 of those who
 * already speak, so a newcomer can map their SSRCs).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { VoiceOpcodes } from '@cordwire/opcodes';
import type { WebSocket } from 'ws';
import type { VoiceAllocation as VoiceAllocationRequest, VoiceServerInfo } from '../voiceProvider.js';
import { VoiceMemberSession } from './voiceSession.js';

export interface VoiceCallsOptions {
  readonly replayLimit: number;
  /** Close a socket with a code (counted and logged by the server). */
  readonly closeWs: (ws: WebSocket, code: number, reason?: string) => void;
  readonly onMemberLeft?: (member: VoiceMemberSession) => void;
  /** An identified member moved to another channel of the guild (its allocation already says the new one). */
  readonly onMemberMoved?: (member: VoiceMemberSession, fromChannelId: string) => void;
  readonly log: (line: string) => void;
}

const key = (guildId: string, userId: string) => `${guildId}:${userId}`;

export class VoiceCalls {
  readonly #sessions = new Map<string, VoiceMemberSession>();
  readonly #usedSsrcs = new Set<number>();
  readonly #pendingReleases = new Set<VoiceMemberSession>();
  readonly #opts: VoiceCallsOptions;

  constructor(options: VoiceCallsOptions) {
    this.#opts = options;
  }

  members(): VoiceMemberSession[] {
    return [...this.#sessions.values()];
  }

  get(guildId: string, userId: string): VoiceMemberSession | undefined {
    return this.#sessions.get(key(guildId, userId));
  }

  find(userId: string, guildId?: string): VoiceMemberSession | undefined {
    return this.members().find(
      (m) => m.allocation.userId === userId && (guildId === undefined || m.allocation.guildId === guildId),
    );
  }

  hasGuild(guildId: string): boolean {
    return this.members().some((m) => m.allocation.guildId === guildId);
  }

  /** Identified members of the same channel as `m`, excluding it. */
  peersOf(m: VoiceMemberSession): VoiceMemberSession[] {
    return this.members().filter(
      (o) =>
        o !== m &&
        o.identified &&
        o.allocation.guildId === m.allocation.guildId &&
        o.allocation.channelId === m.allocation.channelId,
    );
  }

  bySsrc(ssrc: number): VoiceMemberSession | undefined {
    return this.members().find((m) => m.identified && m.ssrc === ssrc);
  }

  byAddress(address: string, port: number): VoiceMemberSession[] {
    return this.members().filter((m) => m.udpAddress?.port === port && m.udpAddress.address === address);
  }

  /** op 4 join: a token for this user in this guild. The same session again is a move. */
  allocate(req: VoiceAllocationRequest, endpoint: string): VoiceServerInfo {
    const existing = this.get(req.guildId, req.userId);
    if (existing && existing.allocation.sessionId === req.sessionId) {
      this.#pendingReleases.delete(existing);
      if (existing.allocation.channelId !== req.channelId) this.move(existing, req.channelId);
      return { endpoint, token: existing.allocation.token };
    }
    if (existing) this.drop(existing, 4006);
    const token = randomBytes(16).toString('hex');
    this.#sessions.set(
      key(req.guildId, req.userId),
      new VoiceMemberSession({ ...req, token }, this.#opts.replayLimit),
    );
    this.#opts.log(`voice: allocated guild ${req.guildId} channel ${req.channelId} user ${req.userId}`);
    return { endpoint, token };
  }

  /**
   * op 4 leave. The main gateway releases the old channel just before it allocates the new
   * one when a member moves; deferring the drop by one turn of the event loop lets that
   * allocate turn the pair into a move. A plain leave ends in 4014 (Discord's "disconnected").
   */
  release(req: { guildId: string; userId: string; sessionId: string }): void {
    const m = this.get(req.guildId, req.userId);
    if (!m || m.allocation.sessionId !== req.sessionId) return;
    this.#pendingReleases.add(m);
    setImmediate(() => {
      if (!this.#pendingReleases.delete(m)) return;
      if (this.get(req.guildId, req.userId) === m) this.drop(m, 4014);
    });
  }

  /** The session ends: out of the call, allocation gone, socket closed with `code`. */
  drop(m: VoiceMemberSession, code: number): void {
    this.#sessions.delete(key(m.allocation.guildId, m.allocation.userId));
    this.leave(m);
    const ws = m.ws;
    m.ws = undefined;
    if (ws) this.#opts.closeWs(ws, code);
  }

  /** Out of the call (others get CLIENT_DISCONNECT); the allocation stays. */
  leave(m: VoiceMemberSession): void {
    if (!m.identified) return;
    const others = this.peersOf(m);
    m.identified = false;
    this.#usedSsrcs.delete(m.ssrc);
    for (const o of others) o.sendJson(VoiceOpcodes.CLIENT_DISCONNECT, { user_id: m.allocation.userId });
    this.#opts.onMemberLeft?.(m);
  }

  move(m: VoiceMemberSession, channelId: string): void {
    const wasInCall = m.identified;
    for (const o of wasInCall ? this.peersOf(m) : [])
      o.sendJson(VoiceOpcodes.CLIENT_DISCONNECT, { user_id: m.allocation.userId });
    const from = m.allocation.channelId;
    (m.allocation as { channelId: string }).channelId = channelId;
    if (wasInCall) {
      this.#announce(m);
      this.#opts.onMemberMoved?.(m, from);
    }
  }

  /**
   * IDENTIFY starts a fresh session stream (new seq, new replay buffer, new SSRC) for an
   * allocation, replacing whatever identified before, and announces it to the call.
   */
  identify(m: VoiceMemberSession, daveProtocolVersion: number): VoiceMemberSession {
    if (m.identified) this.leave(m);
    const fresh = new VoiceMemberSession(m.allocation, this.#opts.replayLimit);
    fresh.ssrc = this.#newSsrc();
    fresh.identified = true;
    fresh.daveProtocolVersion = daveProtocolVersion;
    this.#sessions.set(key(m.allocation.guildId, m.allocation.userId), fresh);
    return fresh;
  }

  /** Tell `m` who is there and everyone there about `m` (after READY). */
  announce(m: VoiceMemberSession): void {
    this.#announce(m, true);
  }

  #announce(m: VoiceMemberSession, withProfile = false): void {
    const others = this.peersOf(m);
    const id = m.allocation.userId;
    if (others.length > 0)
      m.sendJson(VoiceOpcodes.CLIENTS_CONNECT, { user_ids: others.map((o) => o.allocation.userId) });
    for (const o of others) {
      const oid = o.allocation.userId;
      if (withProfile) {
        m.sendJson(VoiceOpcodes.FLAGS, { user_id: oid, flags: 0 });
        m.sendJson(VoiceOpcodes.PLATFORM, { user_id: oid, platform: 0 });
      }
      if (o.speaking) m.sendJson(VoiceOpcodes.SPEAKING, { user_id: oid, ssrc: o.ssrc, speaking: o.speaking });
    }
    for (const o of others) {
      o.sendJson(VoiceOpcodes.CLIENTS_CONNECT, { user_ids: [id] });
      if (withProfile) {
        o.sendJson(VoiceOpcodes.FLAGS, { user_id: id, flags: 0 });
        o.sendJson(VoiceOpcodes.PLATFORM, { user_id: id, platform: 0 });
      }
    }
  }

  /** Members whose socket went away and never came back leave the call. */
  expire(now: number, sessionTimeoutMs: number): void {
    for (const m of this.members())
      if (m.identified && !m.ws && m.detachedAt > 0 && now - m.detachedAt > sessionTimeoutMs) {
        this.#opts.log(`voice: session of user ${m.allocation.userId} expired`);
        this.leave(m);
      }
  }

  #newSsrc(): number {
    for (;;) {
      const ssrc = randomInt(1, 0x7fffffff);
      if (!this.#usedSsrcs.has(ssrc)) {
        this.#usedSsrcs.add(ssrc);
        return ssrc;
      }
    }
  }
}
