/**
 * The "delay frames" fault: every outbound voice-gateway frame of a socket waits `delayMs`
 * before it is written. A WebSocket never reorders, so neither does this: a frame written
 * while earlier ones are still held waits behind them even when the delay has since dropped to
 * 0 (a bare setTimeout per frame would let it overtake them). The timer is injectable so tests
 * can hold frames and release them without measuring wall time.
 */
import type { WebSocket } from 'ws';

export interface FrameDelayTimer {
  setTimeout(fn: () => void, ms: number): unknown;
}

export const systemFrameDelayTimer: FrameDelayTimer = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
};

interface Held {
  readonly data: string | Uint8Array;
  due: boolean;
}

const queues = new WeakMap<WebSocket, Held[]>();

/** Write `data` to `ws` after `delayMs`, in order with everything written to `ws` before. */
export function writeDelayed(
  ws: WebSocket,
  data: string | Uint8Array,
  delayMs: number,
  timer: FrameDelayTimer,
): void {
  const queue = queues.get(ws);
  if (delayMs <= 0 && !queue?.length) {
    if (ws.readyState === 1) ws.send(data);
    return;
  }
  const held: Held = { data, due: delayMs <= 0 };
  const list = queue ?? [];
  if (!queue) queues.set(ws, list);
  list.push(held);
  if (held.due) return;
  timer.setTimeout(() => {
    held.due = true;
    flush(ws, list);
  }, delayMs);
}

function flush(ws: WebSocket, list: Held[]): void {
  while (list.length > 0 && list[0]!.due) {
    const { data } = list.shift()!;
    if (ws.readyState === 1) ws.send(data);
  }
  if (list.length === 0) queues.delete(ws);
}
