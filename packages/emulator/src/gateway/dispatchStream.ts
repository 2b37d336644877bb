/**
 * A numbered stream of dispatches at a set rate: each event's data carries `n` (0, 1, 2, ...),
 * so a client under test can prove it delivered every event once and in order across faults.
 */
import type { EmulatorClock } from '../clock.js';
import type { World } from '../seed.js';

export interface StreamOptions {
  /** Default MESSAGE_CREATE. */
  event?: string;
  ratePerSecond: number;
  /** Stop after this many; default: until stop(). */
  count?: number;
  /** Default: the first guild of the world. */
  guildId?: string;
  sessionId?: string;
}

export interface DispatchStream {
  stop(): void;
  sent(): number;
  done: Promise<void>;
}

/** Snowflakes with a timestamp part, so ids sort by creation like Discord's (docs reference "Snowflakes"). */
let snowflakeCounter = 0;
export function makeSnowflake(now: number): string {
  const discordEpoch = 1420070400000n;
  snowflakeCounter = (snowflakeCounter + 1) & 0xfff;
  return (((BigInt(now) - discordEpoch) << 22n) | BigInt(snowflakeCounter)).toString();
}

/** A plausible payload for `event` in `guildId`, carrying `n`. */
export function streamEventData(world: World, event: string, n: number, guildId: string, now: number) {
  const guild = world.guilds.get(guildId);
  const members = guild ? [...guild.members.values()] : [];
  const author = members.find((m) => m.user.id !== world.bot.id)?.user ?? world.bot;
  const channel = guild ? [...guild.channels.values()].find((c) => c.type === 0) : undefined;
  const channelId = channel?.id ?? guildId;
  switch (event) {
    case 'MESSAGE_CREATE':
      return {
        id: makeSnowflake(now),
        channel_id: channelId,
        guild_id: guildId,
        author,
        member: { roles: [], joined_at: '2026-01-01T00:00:00.000Z', deaf: false, mute: false, flags: 0 },
        content: `n=${n}`,
        timestamp: new Date(now).toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        components: [],
        pinned: false,
        type: 0,
        flags: 0,
        nonce: String(n),
        n,
      };
    case 'PRESENCE_UPDATE':
      return {
        user: { id: author.id },
        guild_id: guildId,
        status: n % 2 === 0 ? 'online' : 'idle',
        activities: [],
        client_status: { desktop: 'online' },
        n,
      };
    case 'GUILD_MEMBER_ADD': {
      const id = makeSnowflake(now);
      return {
        guild_id: guildId,
        user: { id, username: `user${n}`, global_name: null, discriminator: '0', avatar: null },
        nick: null,
        roles: [],
        joined_at: new Date(now).toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
        n,
      };
    }
    case 'TYPING_START':
      return {
        channel_id: channelId,
        guild_id: guildId,
        user_id: author.id,
        timestamp: Math.floor(now / 1000),
        n,
      };
    default:
      return { guild_id: guildId, n };
  }
}

export function startDispatchStream(
  opts: StreamOptions,
  clock: EmulatorClock,
  world: World,
  emit: (event: string, data: unknown, guildId: string, sessionId?: string) => void,
): DispatchStream {
  if (!(opts.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0');
  const event = opts.event ?? 'MESSAGE_CREATE';
  const guildId = opts.guildId ?? world.guilds.keys().next().value ?? '0';
  const limit = opts.count ?? Number.POSITIVE_INFINITY;
  const start = clock.now();
  // Tick often enough for smoothness, but never more than every 5 ms: a burst per tick is fine.
  const tickMs = Math.max(5, Math.min(100, 1000 / opts.ratePerSecond));
  let n = 0;
  let timer: unknown;
  let stopped = false;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (timer !== undefined) clock.clearTimeout(timer);
    finish();
  };
  const tick = () => {
    timer = undefined;
    if (stopped) return;
    const now = clock.now();
    const due = Math.min(limit, Math.floor(((now - start) * opts.ratePerSecond) / 1000) + 1);
    while (n < due) {
      emit(event, streamEventData(world, event, n, guildId, now), guildId, opts.sessionId);
      n += 1;
    }
    if (n >= limit) return stop();
    timer = clock.setTimeout(tick, tickMs);
  };
  tick();
  return { stop, sent: () => n, done };
}
