/**
 * Suite 1: gateway ingest, events per second through the whole client (socket bytes to a typed
 * dispatch event) on the recorded stream of 20,000 dispatches served by the replay server.
 * A round: connect, identify, then time READY → the 20,000th dispatch after it.
 */
import { performance } from 'node:perf_hooks';
import { createAnchorManager } from '../anchors/discordjsWs.js';
import { DISPATCH_COUNT } from '../gateway/recording.js';
import { startReplayServer, type ReplayHost } from '../gateway/replayHost.js';
import { interleave, repeat } from '../harness.js';
import { loadOurGateway, type OurGatewayClient } from '../ours/gateway.js';
import type { Row } from '../report.js';
import type { Suite, SuiteContext } from '../suite.js';

const ROUND_TIMEOUT_MS = 60_000;

/** Times READY → last dispatch for one connection; `start` connects, `stop` tears it down. */
function measureIngest(
  label: string,
  start: (onDispatch: (t: string) => void) => Promise<void> | void,
  stop: () => Promise<void> | void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let readyAt = 0;
    let count = 0;
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${label}: ${count} of ${DISPATCH_COUNT} dispatches after ${ROUND_TIMEOUT_MS} ms`));
    }, ROUND_TIMEOUT_MS);
    const onDispatch = (t: string) => {
      if (t === 'READY') {
        readyAt = performance.now();
        return;
      }
      if (++count === DISPATCH_COUNT) {
        const ms = performance.now() - readyAt;
        clearTimeout(timer);
        Promise.resolve(stop()).then(() => resolve((DISPATCH_COUNT * 1000) / ms), reject);
      }
    };
    Promise.resolve(start(onDispatch)).catch((e: unknown) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function anchorRound(host: ReplayHost, compression = true): () => Promise<number> {
  return () => {
    let manager: ReturnType<typeof createAnchorManager> | undefined;
    return measureIngest(
      '@discordjs/ws',
      (onDispatch) => {
        manager = createAnchorManager({
          url: host.url,
          compression,
          onDispatch: (payload) => onDispatch(payload.t),
        });
        return manager.connect();
      },
      async () => {
        await manager?.destroy();
      },
    );
  };
}

function ourRound(
  host: ReplayHost,
  client: OurGatewayClient,
  encoding: 'json' | 'etf',
  compress: 'none' | 'zlib-stream' | 'zstd-stream',
) {
  return () => {
    let stop: (() => Promise<void> | void) | undefined;
    return measureIngest(
      `cordwire ${encoding}/${compress}`,
      async (onDispatch) => {
        stop = await client.connect({ url: host.url, encoding, compress, onDispatch });
      },
      () => stop?.(),
    );
  };
}

export const gatewaySuite: Suite = {
  name: 'gateway',
  async run(ctx: SuiteContext) {
    const host = await startReplayServer();
    try {
      const zlibJson = await host.prepare('json', 'zlib-stream');
      ctx.log(`gateway: recorded stream ${zlibJson.frames} frames, ${zlibJson.bytes} B zlib-stream`);
      const ours = await loadOurGateway();
      const rows: Row[] = [];
      const base = {
        suite: 'gateway',
        unit: 'events/s',
        better: 'higher' as const,
        anchorName: '@discordjs/ws 2.0.4 (zlib-stream, ZlibNative, JSON)',
      };
      if (typeof ours === 'string') {
        const anchor = await repeat(anchorRound(host), ctx.rounds);
        rows.push({ ...base, metric: 'ingest zlib-stream JSON, 20k dispatches', anchor, notMeasured: ours });
        return rows;
      }
      ctx.log('gateway: zlib-stream JSON, ours vs @discordjs/ws');
      const zlib = await interleave(
        ourRound(host, ours, 'json', 'zlib-stream'),
        anchorRound(host),
        ctx.rounds,
      );
      rows.push({
        ...base,
        metric: 'ingest zlib-stream JSON, 20k dispatches',
        ours: zlib.ours,
        anchor: zlib.anchor,
        target: { kind: 'ratio', min: 4 },
        notes: `${zlibJson.bytes} B on the wire; ${ours.notes}`,
      });
      const plain = await host.prepare('json', 'none');
      ctx.log('gateway: uncompressed JSON, ours vs @discordjs/ws');
      const none = await interleave(
        ourRound(host, ours, 'json', 'none'),
        anchorRound(host, false),
        ctx.rounds,
      );
      rows.push({
        ...base,
        metric: 'ingest uncompressed JSON, 20k dispatches',
        ours: none.ours,
        anchor: none.anchor,
        anchorName: '@discordjs/ws 2.0.4 (no compression, JSON)',
        notes: `${plain.bytes} B on the wire; isolates parsing and dispatch from inflate`,
      });
      for (const [encoding, compress] of [
        ['json', 'zstd-stream'],
        ['etf', 'zlib-stream'],
        ['etf', 'zstd-stream'],
      ] as const) {
        const prepared = await host.prepare(encoding, compress);
        ctx.log(`gateway: ${compress} ${encoding}, ours only`);
        // Quick mode keeps these ours-only rows to one unwarmed round: they prove the path works.
        const spread = await repeat(
          ourRound(host, ours, encoding, compress),
          ctx.quick ? 1 : ctx.rounds,
          !ctx.quick,
        );
        rows.push({
          ...base,
          metric: `ingest ${compress} ${encoding.toUpperCase()}, 20k dispatches`,
          ours: spread,
          anchor: zlib.anchor,
          notes:
            `${prepared.bytes} B on the wire; anchor has no ${encoding === 'etf' ? 'ETF' : 'zstd'}: ratio vs its zlib-stream JSON run above` +
            (compress === 'zstd-stream'
              ? '; one zstd frame per message (as @cordwire/emulator sends), not a shared stream context'
              : ''),
        });
      }
      return rows;
    } finally {
      await host.close();
    }
  },
};
