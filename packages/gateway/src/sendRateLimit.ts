/**
 * The gateway's outbound limit: 120 messages per 60 s per connection, counting every opcode;
 * beyond it Discord closes with 4008 (docs "Rate Limiting"). A sliding-window log, so the limit
 * holds over every 60 s span, not only over fixed windows that reset.
 *
 * Heartbeats, IDENTIFY and RESUME must never wait behind user sends (a late heartbeat is a
 * zombie, a late identify a timeout), so part of the window is reserved for them: one heartbeat
 * per interval that fits in the window, plus one for a server-requested heartbeat and one for
 * IDENTIFY or RESUME. User sends get the rest, never fewer than `minUserBudget`.
 */
export const GATEWAY_SEND_LIMIT = 120;
export const GATEWAY_SEND_WINDOW_MS = 60_000;

export class SendRateLimit {
  private readonly sentAt: number[] = [];
  private userBudget: number;
  /** Own heartbeats that fit in one window at the current interval. */
  private beatsPerWindow = 1;

  constructor(
    private readonly limit = GATEWAY_SEND_LIMIT,
    private readonly windowMs = GATEWAY_SEND_WINDOW_MS,
    private readonly minUserBudget = 10,
  ) {
    this.userBudget = Math.max(minUserBudget, limit - 3);
  }

  /** Recomputes the reserve once HELLO tells the heartbeat interval. */
  setHeartbeatInterval(intervalMs: number): void {
    const beats = Math.ceil(this.windowMs / Math.max(1, intervalMs));
    this.beatsPerWindow = beats;
    this.userBudget = Math.max(this.minUserBudget, this.limit - beats - 2);
  }

  get budget(): number {
    return this.userBudget;
  }

  private prune(now: number): void {
    while (this.sentAt.length > 0 && this.sentAt[0]! <= now - this.windowMs) this.sentAt.shift();
  }

  /** Records a reserved send (heartbeat, identify, resume); these never wait. */
  recordPriority(now: number): void {
    this.prune(now);
    this.sentAt.push(now);
  }

  /**
   * Milliseconds until a heartbeat the server asked for (op 1) may go; 0 means now (not
   * recorded: send it with `recordPriority`). Such replies may fill the window up to what the
   * own heartbeats and one IDENTIFY/RESUME still need, so however many op 1 arrive, the total
   * stays within the limit.
   */
  requestedBeatWait(now: number): number {
    this.prune(now);
    const room = Math.max(1, this.limit - this.beatsPerWindow - 1);
    if (this.sentAt.length < room) return 0;
    const blocking = this.sentAt[this.sentAt.length - room]!;
    return Math.max(1, blocking + this.windowMs - now);
  }

  /** Milliseconds until a user send may go; 0 means now (and the send is recorded). */
  tryUserSend(now: number): number {
    this.prune(now);
    if (this.sentAt.length < this.userBudget) {
      this.sentAt.push(now);
      return 0;
    }
    // The window frees a slot when the (length - budget)th oldest send ages out.
    const blocking = this.sentAt[this.sentAt.length - this.userBudget]!;
    return Math.max(1, blocking + this.windowMs - now);
  }

  /** In-flight count for the current window (for tests and debug). */
  inWindow(now: number): number {
    this.prune(now);
    return this.sentAt.length;
  }

  reset(): void {
    this.sentAt.length = 0;
  }
}
