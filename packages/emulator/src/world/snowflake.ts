/**
 * Discord snowflakes (docs reference "Snowflakes"): milliseconds since the Discord epoch
 * (2015-01-01T00:00:00Z) in the top 42 bits, then worker, process and a 12-bit increment.
 * Ids are minted from the emulator's clock so @discordjs/rest's 14-day bulk-delete rule and
 * discord.js's `createdTimestamp` both see the time the emulator saw.
 */
import type { EmulatorClock } from '../clock.js';

export const DISCORD_EPOCH = 1_420_070_400_000n;

const SNOWFLAKE = /^[0-9]{1,20}$/;

/** A string of 1-20 digits that fits in 64 bits, as Discord accepts in paths and bodies. */
export function isSnowflake(v: unknown): v is string {
  return typeof v === 'string' && SNOWFLAKE.test(v) && BigInt(v) < 1n << 64n;
}

/** The Unix time in milliseconds a snowflake was minted at. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

export function compareSnowflakes(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Mints increasing snowflakes from a clock; never repeats within one generator. */
export class SnowflakeGenerator {
  private last = 0n;
  constructor(private readonly clock: EmulatorClock) {}

  next(): string {
    const ms = BigInt(Math.floor(this.clock.now()));
    // Worker 1, process 0: distinguishes minted ids from hand-written seed ids at a glance.
    let id = ((ms - DISCORD_EPOCH) << 22n) | (1n << 17n);
    if (id <= this.last) id = this.last + 1n;
    this.last = id;
    return id.toString();
  }
}
