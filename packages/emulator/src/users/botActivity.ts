/**
 * What the bot under test did, for a test's assertions (`emu.bot`): the messages it sent (from
 * the world's MESSAGE_CREATEs authored by the bot, ephemeral replies excluded as Discord does
 * not announce them), and a way to await the next one.
 */
import type { World, WorldDispatch } from '../world/index.js';

/** A message as the gateway announced it (`id`, `channel_id`, `content`, `author`, ...). */
export type SentMessage = Record<string, unknown> & { id: string; channel_id: string; content: string };

/** Messages kept for `messages()`; a long-running emulator forgets the oldest. */
const MAX_KEPT = 10_000;

export class BotActivity {
  private readonly sent: SentMessage[] = [];
  private waiters: Array<{ match: (m: SentMessage) => boolean; resolve: (m: SentMessage) => void }> = [];

  constructor(private readonly world: World) {
    world.on('dispatch', (d) => this.onDispatch(d));
  }

  /** Messages the bot sent (the last 10000), oldest first, optionally in one channel. */
  messages(channelId?: string): SentMessage[] {
    return this.sent.filter((m) => channelId === undefined || m.channel_id === channelId);
  }

  /**
   * The first message the bot sent (already, or from now on) that `match` accepts; rejects after
   * `timeoutMs` (default 10 s) with the messages it did send.
   */
  waitForMessage(match: (m: SentMessage) => boolean = () => true, timeoutMs = 10_000): Promise<SentMessage> {
    const seen = this.sent.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: SentMessage) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const got = this.sent.map((m) => JSON.stringify(m.content)).join(', ');
        reject(
          new Error(`the bot sent no matching message within ${timeoutMs} ms (it sent: ${got || 'nothing'})`),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private onDispatch({ event, data }: WorldDispatch): void {
    if (event !== 'MESSAGE_CREATE') return;
    const author = data.author as { id?: string } | undefined;
    if (author?.id !== this.world.bot.id) return;
    const message = data as SentMessage;
    this.sent.push(message);
    if (this.sent.length > MAX_KEPT) this.sent.splice(0, this.sent.length - MAX_KEPT);
    for (const w of [...this.waiters]) {
      if (w.match(message)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(message);
      }
    }
  }
}
