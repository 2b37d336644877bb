/**
 * Message paging (before / after / around / limit) against a direct reading of Discord's rules:
 * any ids, inserted in any order, page like a sorted list, newest first.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { ChannelMessages } from '../src/world/channelMessages.js';

function reference(
  ids: bigint[],
  page: { before?: bigint; after?: bigint; around?: bigint; limit: number },
): bigint[] {
  const sorted = [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let picked: bigint[];
  if (page.around !== undefined) {
    const a = page.around;
    const self = sorted.includes(a) ? [a] : [];
    const newerCount = Math.floor(page.limit / 2);
    const olderCount = Math.max(0, page.limit - newerCount - self.length);
    const older = sorted.filter((x) => x < a);
    picked = [
      ...older.slice(Math.max(0, older.length - olderCount)),
      ...self,
      ...sorted.filter((x) => x > a).slice(0, newerCount),
    ];
  } else if (page.after !== undefined) {
    const a = page.after;
    picked = sorted.filter((x) => x > a).slice(0, page.limit);
  } else {
    const b = page.before;
    const older = b === undefined ? sorted : sorted.filter((x) => x < b);
    picked = older.slice(Math.max(0, older.length - page.limit));
  }
  return picked.reverse();
}

test('pages match the reference for any insertion order, anchor and limit', () => {
  const id = fc.bigInt({ min: 1n, max: (1n << 63n) - 1n });
  fc.assert(
    fc.property(
      fc.array(id, { maxLength: 60 }),
      fc.oneof(fc.constant('none'), fc.constant('before'), fc.constant('after'), fc.constant('around')),
      fc.option(id, { nil: undefined }),
      fc.integer({ min: 1, max: 100 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (ids, kind, anchorIn, limit, deletions) => {
        const store = new ChannelMessages<{ id: string }>();
        for (const x of ids) store.add({ id: x.toString() });
        const unique = [...new Set(ids)];
        const deleted = deletions
          .map((d) => unique[d % Math.max(1, unique.length)])
          .filter((x) => x !== undefined);
        for (const x of deleted) store.delete(x.toString());
        const remaining = unique.filter((x) => !deleted.includes(x));
        const anchor = anchorIn ?? remaining[0] ?? 1n;
        const page = kind === 'none' ? { limit } : { [kind]: anchor, limit };
        const got = store
          .list(kind === 'none' ? { limit } : { [kind]: anchor.toString(), limit })
          .map((m) => BigInt(m.id));
        expect(got).toEqual(reference(remaining, page));
        expect(store.size).toBe(remaining.length);
      },
    ),
    { numRuns: 500 },
  );
});

test('a channel keeps at most its capacity of messages, forgetting the oldest', () => {
  const store = new ChannelMessages<{ id: string }>(3);
  for (const id of ['10', '11', '12', '13', '14']) store.add({ id });
  expect(store.size).toBe(3);
  expect(store.get('10')).toBeUndefined();
  expect(store.list({ limit: 100 }).map((m) => m.id)).toEqual(['14', '13', '12']);
});
