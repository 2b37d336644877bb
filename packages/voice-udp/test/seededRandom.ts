/** mulberry32: a tiny seeded PRNG so loss and reordering patterns are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 5 % loss (never the first or last packet) and shuffling within blocks of 4. */
export function lossyReorder<T>(
  items: T[],
  random: () => number,
  lossRate = 0.05,
): { arrived: T[]; dropped: T[] } {
  const dropped: T[] = [];
  const kept = items.filter((item, index) => {
    if (index === 0 || index === items.length - 1 || random() >= lossRate) return true;
    dropped.push(item);
    return false;
  });
  const arrived: T[] = [];
  for (let i = 0; i < kept.length; i += 4) {
    const block = kept.slice(i, i + 4);
    for (let j = block.length - 1; j > 0; j--) {
      const k = Math.floor(random() * (j + 1));
      [block[j], block[k]] = [block[k]!, block[j]!];
    }
    arrived.push(...block);
  }
  return { arrived, dropped };
}
