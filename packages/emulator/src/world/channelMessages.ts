/**
 * One channel's messages in snowflake order, with the paging Discord's "Get Channel Messages"
 * offers (docs resources/message): `before`, `after` or `around` an id, `limit` 1-100, always
 * answered newest first.
 */
import { compareSnowflakes } from './snowflake.js';

export interface MessagePage {
  before?: string;
  after?: string;
  around?: string;
  limit: number;
}

/** Messages kept per channel; older ones are forgotten so a flood cannot grow without bound. */
export const CHANNEL_HISTORY_LIMIT = 10_000;

export class ChannelMessages<M extends { id: string }> {
  private readonly byId = new Map<string, M>();
  /** Oldest first. */
  private readonly order: string[] = [];

  constructor(private readonly capacity = CHANNEL_HISTORY_LIMIT) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: string): M | undefined {
    return this.byId.get(id);
  }

  add(message: M): void {
    if (this.byId.has(message.id)) {
      this.byId.set(message.id, message);
      return;
    }
    this.byId.set(message.id, message);
    let i = this.order.length;
    // Minted ids only grow, so this loop is almost always zero steps.
    while (i > 0 && compareSnowflakes(this.order[i - 1]!, message.id) > 0) i -= 1;
    this.order.splice(i, 0, message.id);
    while (this.order.length > this.capacity) {
      const oldest = this.order.shift();
      if (oldest !== undefined) this.byId.delete(oldest);
    }
  }

  delete(id: string): M | undefined {
    const m = this.byId.get(id);
    if (!m) return undefined;
    this.byId.delete(id);
    const i = this.order.indexOf(id);
    if (i >= 0) this.order.splice(i, 1);
    return m;
  }

  newest(): M | undefined {
    const id = this.order[this.order.length - 1];
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Discord's paging: the page is picked relative to the anchor, then returned newest first. */
  list(page: MessagePage): M[] {
    const ids = this.order;
    let picked: string[];
    if (page.around !== undefined) {
      const anchor = page.around;
      const older = ids.filter((id) => compareSnowflakes(id, anchor) < 0);
      const newer = ids.filter((id) => compareSnowflakes(id, anchor) > 0);
      const self = this.byId.has(anchor) ? [anchor] : [];
      const half = Math.floor(page.limit / 2);
      const beforeCount = Math.max(0, page.limit - half - self.length);
      picked = [...older.slice(Math.max(0, older.length - beforeCount)), ...self, ...newer.slice(0, half)];
    } else if (page.after !== undefined) {
      const anchor = page.after;
      picked = ids.filter((id) => compareSnowflakes(id, anchor) > 0).slice(0, page.limit);
    } else {
      const anchor = page.before;
      const older = anchor === undefined ? ids : ids.filter((id) => compareSnowflakes(id, anchor) < 0);
      picked = older.slice(Math.max(0, older.length - page.limit));
    }
    return picked.reverse().map((id) => this.byId.get(id)!);
  }
}
