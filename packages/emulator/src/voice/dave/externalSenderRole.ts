/**
 * The voice server's DAVE role (research/dave.md 1, 2): one P-256 external sender key for the whole
 * server, one {@link DaveChannel} per voice channel with members, and each channel's E2EE setting
 * (seeded, changeable at run time). The voice gateway connection calls in here at IDENTIFY (4017),
 * SELECT_PROTOCOL (the version in SESSION_DESCRIPTION), for client DAVE ops and when a member leaves.
 */
import { ExternalSender, generateDisplayableCode, generatePairwiseFingerprint } from '@cordwire/dave-mls';
import { VoiceOpcodes } from '@cordwire/opcodes';
import type { VoiceMemberSession } from '../voiceSession.js';
import { DaveChannel, type DaveChannelState, type DaveLink } from './daveChannel.js';
import type { DaveInputError, DaveInputErrorCode } from './daveInputError.js';
import type { VoiceE2EESetting } from './e2eeSetting.js';

export interface ExternalSenderRoleOptions {
  /** Setting of channels that have none of their own. */
  readonly defaultSetting: VoiceE2EESetting;
  /** Per channel id. */
  readonly channels?: ReadonlyMap<string, VoiceE2EESetting>;
  /** Computed per channel (the deprecated requireE2EE option); consulted before the default. */
  readonly settingOf?: (guildId: string, channelId: string) => VoiceE2EESetting | undefined;
  /** Highest DAVE version the server speaks; 0 turns DAVE off in every channel. */
  readonly serverVersion: number;
  readonly transitionTimeoutMs: number;
  readonly newGroupTransitionZero?: boolean;
  readonly log: (line: string) => void;
  /** End a member's session with a close code. */
  readonly drop: (member: VoiceMemberSession, code: number) => void;
}

const key = (guildId: string, channelId: string) => `${guildId}:${channelId}`;

export class ExternalSenderRole {
  readonly sender = new ExternalSender();
  readonly rejected: Partial<Record<DaveInputErrorCode, number>> = {};
  readonly #opts: ExternalSenderRoleOptions;
  readonly #overrides: Map<string, VoiceE2EESetting>;
  readonly #channels = new Map<string, DaveChannel>();
  readonly #links = new WeakMap<VoiceMemberSession, DaveLink>();

  constructor(options: ExternalSenderRoleOptions) {
    this.#opts = options;
    this.#overrides = new Map(options.channels ?? []);
  }

  settingFor(guildId: string, channelId: string): VoiceE2EESetting {
    if (this.#opts.serverVersion < 1) return 'off';
    return (
      this.#overrides.get(channelId) ??
      this.#opts.settingOf?.(guildId, channelId) ??
      this.#opts.defaultSetting
    );
  }

  setSetting(guildId: string, channelId: string, setting: VoiceE2EESetting): void {
    this.#overrides.set(channelId, setting);
    this.#channels.get(key(guildId, channelId))?.setSetting(this.settingFor(guildId, channelId));
  }

  /** IDENTIFY in a `required` channel without DAVE: close 4017. */
  refuses(m: VoiceMemberSession, offeredVersion: number): boolean {
    return this.settingFor(m.allocation.guildId, m.allocation.channelId) === 'required' && offeredVersion < 1;
  }

  /** SELECT_PROTOCOL: joins the member to its channel's group; returns SESSION_DESCRIPTION's version. */
  admit(m: VoiceMemberSession): number {
    const offered = Math.min(m.daveProtocolVersion, this.#opts.serverVersion);
    return this.#channel(m).admit(this.#link(m), offered);
  }

  started(m: VoiceMemberSession): void {
    this.#channels.get(key(m.allocation.guildId, m.allocation.channelId))?.started(m.allocation.userId);
  }

  onBinary(m: VoiceMemberSession, op: number, payload: Uint8Array): void {
    const channel = this.#channels.get(key(m.allocation.guildId, m.allocation.channelId));
    if (!channel) return;
    const link = this.#link(m);
    if (op === VoiceOpcodes.DAVE_MLS_KEY_PACKAGE) channel.onKeyPackage(link, payload);
    else if (op === VoiceOpcodes.DAVE_MLS_COMMIT_WELCOME) channel.onCommitWelcome(link, payload);
  }

  onJson(m: VoiceMemberSession, op: number, d: unknown): void {
    const channel = this.#channels.get(key(m.allocation.guildId, m.allocation.channelId));
    if (!channel) return;
    const link = this.#link(m);
    if (op === VoiceOpcodes.DAVE_TRANSITION_READY) channel.onReadyForTransition(link, d);
    else if (op === VoiceOpcodes.DAVE_MLS_INVALID_COMMIT_WELCOME) channel.onInvalidCommitWelcome(link, d);
  }

  left(m: VoiceMemberSession, channelId = m.allocation.channelId): void {
    const k = key(m.allocation.guildId, channelId);
    const channel = this.#channels.get(k);
    const link = this.#links.get(m);
    if (!channel || !link) return;
    // Leaves also come from timers (heartbeat watchdog, session expiry): a bug here must not escape.
    try {
      channel.leave(link);
    } catch (error) {
      this.#opts.log(`voice: dave ${k}: internal error on leave: ${(error as Error).message}`);
    }
    if (channel.empty) {
      channel.dispose();
      this.#channels.delete(k);
    }
  }

  /**
   * A member moved channels: it leaves the old channel's group and joins the new one's (a new MLS
   * group, since the group id is the channel id; the client re-creates its session for it).
   */
  moved(m: VoiceMemberSession, fromChannelId: string): void {
    if (!this.#links.has(m)) return;
    this.left(m, fromChannelId);
    this.#links.delete(m);
    if (m.mode === undefined) return;
    this.admit(m);
    this.started(m);
  }

  state(guildId: string, channelId: string): DaveChannelState | undefined {
    return this.#channels.get(key(guildId, channelId))?.state();
  }

  resetGroup(guildId: string, channelId: string): void {
    this.#channels.get(key(guildId, channelId))?.resetGroup();
  }

  /**
   * The 45-digit verification code two members see for each other (research/dave.md 5). It comes
   * from their public signature keys only, so the gateway can compute it; undefined unless both are
   * in the channel's group.
   */
  async verificationCode(
    guildId: string,
    channelId: string,
    a: string,
    b: string,
  ): Promise<string | undefined> {
    const keys = this.#channels.get(key(guildId, channelId))?.signatureKeys(a, b);
    if (!keys) return undefined;
    const fingerprint = await generatePairwiseFingerprint(0, keys[0], a, keys[1], b);
    return generateDisplayableCode(fingerprint, 45, 5);
  }

  close(): void {
    for (const channel of this.#channels.values()) channel.dispose();
    this.#channels.clear();
  }

  #channel(m: VoiceMemberSession): DaveChannel {
    const { guildId, channelId } = m.allocation;
    const k = key(guildId, channelId);
    let channel = this.#channels.get(k);
    if (!channel) {
      channel = new DaveChannel({
        guildId,
        channelId,
        setting: this.settingFor(guildId, channelId),
        sender: this.sender,
        transitionTimeoutMs: this.#opts.transitionTimeoutMs,
        newGroupTransitionZero: this.#opts.newGroupTransitionZero,
        log: this.#opts.log,
        onRejected: (_userId, error: DaveInputError) => {
          this.rejected[error.code] = (this.rejected[error.code] ?? 0) + 1;
        },
      });
      this.#channels.set(k, channel);
    }
    return channel;
  }

  #link(m: VoiceMemberSession): DaveLink {
    let link = this.#links.get(m);
    if (!link) {
      link = {
        userId: m.allocation.userId,
        sendJson: (op, d) => m.sendJson(op, d),
        sendBinary: (op, payload) => m.sendBinary(op, payload),
        drop: (code) => this.#opts.drop(m, code),
      };
      this.#links.set(m, link);
    }
    return link;
  }
}
