/**
 * The gateway stream every ingest round replays: HELLO, READY and then 20,000 dispatches shaped
 * like a busy bot's traffic (research/anchor-baselines.md section 4: one ~200 KB GUILD_CREATE,
 * 12,028 MESSAGE_CREATE of ~860 B, 7,971 PRESENCE_UPDATE of ~400 B). Generated from a fixed seed,
 * so every run and every client sees byte-identical frames. Field sets follow Discord's API
 * reference for these objects (message, user, guild member, presence, guild, channel, role).
 */

/** mulberry32: tiny, fast, good enough to pick names and ids reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'the a voice bot music queue play skip pause resume stream latency packet opus frame guild channel role member presence online idle typing emoji sticker thread forum reply mention embed link video game match rank party lobby raid patch update server ping pong hello world'.split(
    ' ',
  );

export const DISPATCH_COUNT = 20_000;
export const MESSAGE_COUNT = 12_028;
export const PRESENCE_COUNT = DISPATCH_COUNT - 1 - MESSAGE_COUNT; // 7,971 after the one GUILD_CREATE

const GUILD_ID = '1100000000000000001';
const EPOCH = Date.UTC(2026, 10, 23);

export interface GatewayMessage {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

export function buildRecording(): GatewayMessage[] {
  const rand = prng(0xc0dd1ce);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  const snowflake = (base: bigint, n: number) => (base + BigInt(n)).toString();
  const userId = (n: number) => snowflake(300000000000000000n, n * 7919);
  const roleId = (n: number) => snowflake(1100000000000100000n, n);
  const channelId = (n: number) => snowflake(1100000000000200000n, n);
  const hex = (bytes: number) =>
    Array.from({ length: bytes }, () => int(256).toString(16).padStart(2, '0')).join('');
  const sentence = (words: number) => Array.from({ length: words }, () => pick(WORDS)).join(' ');
  const iso = (ms: number) => new Date(EPOCH + ms).toISOString().replace('Z', '000+00:00');

  const user = (n: number) => ({
    id: userId(n),
    username: `${pick(WORDS)}_${pick(WORDS)}${n}`,
    global_name: `${pick(WORDS)} ${pick(WORDS)}`,
    avatar: hex(16),
    discriminator: '0',
    public_flags: int(2) ? 0 : 64,
    flags: 0,
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
    clan: null,
    primary_guild: null,
  });
  const roles = (k: number) => Array.from({ length: k }, () => roleId(int(60)));
  const member = (n: number) => ({
    roles: roles(1 + int(4)),
    joined_at: iso(-int(3e10)),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    nick: int(4) ? null : `${pick(WORDS)}${n}`,
    avatar: null,
    banner: null,
    communication_disabled_until: null,
  });

  const USERS = 5000;
  const messages: GatewayMessage[] = [];
  const presences: GatewayMessage[] = [];
  let messageId = 1400000000000000000n;
  for (let i = 0; i < MESSAGE_COUNT; i++) {
    const n = int(USERS);
    messageId += BigInt(1 + int(1_000_000));
    const sent = i * 40 + int(40);
    messages.push({
      op: 0,
      s: 0,
      t: 'MESSAGE_CREATE',
      d: {
        type: 0,
        tts: false,
        timestamp: iso(sent),
        pinned: false,
        mentions: [],
        mention_roles: [],
        mention_everyone: false,
        member: member(n),
        id: messageId.toString(),
        flags: 0,
        embeds: [],
        edited_timestamp: null,
        content: sentence(2 + int(10)),
        components: [],
        channel_id: channelId(int(40)),
        author: user(n),
        attachments: [],
        guild_id: GUILD_ID,
      },
    });
  }
  const statuses = ['online', 'idle', 'dnd', 'offline'] as const;
  for (let i = 0; i < PRESENCE_COUNT; i++) {
    const status = pick(statuses);
    presences.push({
      op: 0,
      s: 0,
      t: 'PRESENCE_UPDATE',
      d: {
        user: { id: userId(int(USERS)) },
        status,
        guild_id: GUILD_ID,
        client_status: status === 'offline' ? {} : { [pick(['desktop', 'mobile', 'web'])]: status },
        activities:
          status === 'offline'
            ? []
            : [
                {
                  type: int(3),
                  name: `${pick(WORDS)} ${pick(WORDS)}`,
                  id: hex(8),
                  created_at: EPOCH + i * 60,
                  state: sentence(3),
                  details: sentence(2),
                  timestamps: { start: EPOCH - int(1e7) },
                  assets: { large_image: `mp:external/${hex(12)}`, large_text: sentence(2) },
                },
              ],
        broadcast: null,
      },
    });
  }

  // One large GUILD_CREATE: channels, roles, members and presences of an active community guild.
  const guildMembers = Array.from({ length: 250 }, (_, i) => ({ ...member(i), user: user(i) }));
  const guild = {
    op: 0,
    s: 0,
    t: 'GUILD_CREATE',
    d: {
      id: GUILD_ID,
      name: 'cordwire bench guild',
      icon: hex(16),
      owner_id: userId(0),
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 1,
      default_message_notifications: 1,
      explicit_content_filter: 2,
      features: ['COMMUNITY', 'NEWS', 'ANIMATED_ICON', 'INVITE_SPLASH', 'ROLE_ICONS'],
      mfa_level: 0,
      system_channel_id: channelId(0),
      premium_tier: 2,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      large: true,
      unavailable: false,
      member_count: 24817,
      joined_at: iso(-1e9),
      voice_states: [],
      threads: [],
      stage_instances: [],
      guild_scheduled_events: [],
      stickers: [],
      emojis: Array.from({ length: 40 }, (_, i) => ({
        id: snowflake(1100000000000300000n, i),
        name: `${pick(WORDS)}_${i}`,
        roles: [],
        require_colons: true,
        managed: false,
        animated: int(2) === 0,
        available: true,
      })),
      roles: Array.from({ length: 60 }, (_, i) => ({
        id: roleId(i),
        name: `${pick(WORDS)} ${i}`,
        color: int(0xffffff),
        colors: { primary_color: int(0xffffff), secondary_color: null, tertiary_color: null },
        hoist: int(2) === 0,
        icon: null,
        unicode_emoji: null,
        position: i,
        permissions: String(int(2 ** 31)),
        managed: false,
        mentionable: false,
        flags: 0,
      })),
      channels: Array.from({ length: 80 }, (_, i) => ({
        id: channelId(i),
        type: i % 10 === 9 ? 2 : 0,
        name: `${pick(WORDS)}-${pick(WORDS)}`,
        position: i,
        parent_id: null,
        topic: i % 10 === 9 ? null : sentence(8),
        nsfw: false,
        rate_limit_per_user: 0,
        last_message_id: snowflake(1400000000000000000n, i),
        permission_overwrites: [{ id: GUILD_ID, type: 0, allow: '0', deny: '1024' }],
        flags: 0,
      })),
      members: guildMembers,
      presences: Array.from({ length: 200 }, (_, i) => ({
        user: { id: userId(i) },
        status: pick(statuses),
        client_status: { desktop: 'online' },
        activities: [{ type: 0, name: sentence(2), id: hex(8), created_at: EPOCH }],
      })),
    },
  };

  // GUILD_CREATE first (as after READY), then messages and presences interleaved by the seed.
  const dispatches: GatewayMessage[] = [guild];
  let m = 0;
  let p = 0;
  while (m < messages.length || p < presences.length) {
    const takeMessage =
      p >= presences.length || (m < messages.length && rand() < MESSAGE_COUNT / (DISPATCH_COUNT - 1));
    dispatches.push(takeMessage ? messages[m++]! : presences[p++]!);
  }
  dispatches.forEach((d, i) => {
    d.s = i + 2; // READY is s = 1
  });
  return dispatches;
}

/** HELLO with a one-hour interval: no heartbeat falls inside a round, so the replay never has to ACK. */
export const HELLO: GatewayMessage = { op: 10, d: { heartbeat_interval: 3_600_000 }, s: null, t: null };

export function readyMessage(): GatewayMessage {
  return {
    op: 0,
    s: 1,
    t: 'READY',
    d: {
      v: 10,
      user: {
        id: '1000000000000000001',
        username: 'cordwire-bench',
        discriminator: '0',
        global_name: null,
        avatar: null,
        bot: true,
        flags: 0,
        verified: true,
        mfa_enabled: false,
      },
      guilds: [{ id: GUILD_ID, unavailable: true }],
      session_id: '0123456789abcdef0123456789abcdef',
      resume_gateway_url: 'ws://127.0.0.1:1',
      shard: [0, 1],
      application: { id: '1000000000000000001', flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      user_settings: {},
      session_type: 'normal',
      auth: {},
      _trace: ['["cordwire-bench-replay",{"micros":0}]'],
    },
  };
}
