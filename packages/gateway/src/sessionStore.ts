/**
 * Where shards keep what they need to resume (session id, resume URL, last sequence). With a
 * persistent store a restarted process resumes instead of identifying, so nothing is missed
 * and no identify is spent. The in-memory store is the default.
 */
import type { SessionInfo } from './shardCore.js';

export interface SessionStore {
  get(shardId: number): SessionInfo | null | undefined | Promise<SessionInfo | null | undefined>;
  /** `null` deletes: the session is over. */
  set(shardId: number, session: SessionInfo | null): void | Promise<void>;
}

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<number, SessionInfo>();

  get(shardId: number): SessionInfo | null {
    return this.sessions.get(shardId) ?? null;
  }

  set(shardId: number, session: SessionInfo | null): void {
    if (session) this.sessions.set(shardId, session);
    else this.sessions.delete(shardId);
  }
}
