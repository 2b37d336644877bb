/**
 * Which shard receives a guild's events: `(guild_id >> 22) % num_shards`
 * (Discord docs, topics/gateway "Sharding" formula). Snowflakes exceed 2^53, so BigInt.
 */
export function shardForGuild(guildId: string, shardCount: number): number {
  if (shardCount <= 1) return 0;
  let id: bigint;
  try {
    id = BigInt(guildId);
  } catch {
    return 0;
  }
  return Number((id >> 22n) % BigInt(shardCount));
}
