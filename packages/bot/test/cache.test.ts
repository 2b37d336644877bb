import fc from 'fast-check';
import { expect, it } from 'vitest';
import { Cache } from '../src/index.js';

const G = '1300000000000000100';
const SELF = '1300000000000000001';

function guildCreate(members: string[]) {
  return {
    id: G,
    name: 'g',
    roles: [{ id: G, name: '@everyone' }],
    channels: [{ id: '5', name: 'general', type: 0 }],
    members: members.map((id) => ({ user: { id, username: `u${id}` }, roles: [] })),
    voice_states: [],
  };
}

it('keeps at most `members` members per guild, evicting the least recently seen, never the bot', () => {
  const cache = new Cache({ members: 3 });
  cache.apply('READY', { user: { id: SELF, username: 'bot' } });
  cache.apply('GUILD_CREATE', guildCreate([SELF, '10', '11']));
  expect(cache.memberCount(G)).toBe(3);
  cache.member(G, '10'); // a read refreshes 10: 11 is now the least recently seen
  cache.apply('GUILD_MEMBER_ADD', { guild_id: G, user: { id: '12', username: 'c' }, roles: [] });
  expect(cache.memberCount(G)).toBe(3);
  expect(cache.member(G, '11')).toBeUndefined();
  expect(cache.member(G, SELF)?.user?.id).toBe(SELF);
  expect(cache.member(G, '10')).toBeDefined();
  expect(cache.member(G, '12')).toBeDefined();
});

it('keeps nothing it is told not to keep', () => {
  const cache = new Cache({ members: false, channels: false, roles: false, voiceStates: false });
  cache.apply('GUILD_CREATE', guildCreate(['10']));
  cache.apply('VOICE_STATE_UPDATE', { guild_id: G, channel_id: '6', user_id: '10', session_id: 's' });
  expect(cache.guild(G)?.name).toBe('g');
  expect(cache.memberCount(G)).toBe(0);
  expect(cache.channelsOf(G)).toEqual([]);
  expect(cache.rolesOf(G)).toEqual([]);
  expect(cache.voiceState(G, '10')).toBeUndefined();
});

it('an unavailable GUILD_DELETE keeps the guild marked unavailable; a real one removes it and its channels', () => {
  const cache = new Cache();
  cache.apply('GUILD_CREATE', guildCreate(['10']));
  cache.apply('GUILD_DELETE', { id: G, unavailable: true });
  expect(cache.guild(G)?.unavailable).toBe(true);
  expect(cache.channel('5')).toBeDefined();
  cache.apply('GUILD_DELETE', { id: G });
  expect(cache.guild(G)).toBeUndefined();
  expect(cache.channel('5')).toBeUndefined();
});

it('refuses a member limit that is not a whole number', () => {
  expect(() => new Cache({ members: -1 })).toThrow(RangeError);
  expect(() => new Cache({ members: 1.5 })).toThrow(RangeError);
});

const names = [
  'READY',
  'GUILD_CREATE',
  'GUILD_UPDATE',
  'GUILD_DELETE',
  'CHANNEL_CREATE',
  'CHANNEL_DELETE',
  'GUILD_ROLE_CREATE',
  'GUILD_ROLE_DELETE',
  'GUILD_MEMBER_ADD',
  'GUILD_MEMBER_UPDATE',
  'GUILD_MEMBER_REMOVE',
  'GUILD_MEMBERS_CHUNK',
  'VOICE_STATE_UPDATE',
  'USER_UPDATE',
];

it('no sequence of dispatches, well-formed or not, throws or grows a guild past its member limit', () => {
  const id = fc.constantFrom(G, '10', '11', '12', '13', '14', SELF);
  const member = fc.record({ user: fc.record({ id, username: fc.string() }), roles: fc.constant([]) });
  const payload = fc.oneof(
    fc.anything(),
    fc.record({ id, guild_id: id, user: fc.record({ id }), channel_id: fc.option(id), user_id: id }),
    member.map((m) => ({ ...m, guild_id: G })),
    fc.array(member, { maxLength: 8 }).map((members) => ({ ...guildCreate([]), members })),
    fc.array(member, { maxLength: 8 }).map((members) => ({ guild_id: G, members })),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...names), payload), { maxLength: 40 }), (events) => {
      const cache = new Cache({ members: 2 });
      for (const [t, d] of events) cache.apply(t, d);
      expect(cache.memberCount(G)).toBeLessThanOrEqual(2);
    }),
    { numRuns: 300 },
  );
});
