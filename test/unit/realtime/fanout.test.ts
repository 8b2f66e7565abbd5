/**
 * The one fan-out path, on real Registry, Batcher, Connections and FriendGraph: who gets
 * which frame for each presence event, and nobody gets what their tier may not see.
 */
import { describe, expect, it } from 'vitest';
import type { FriendCategory, FriendRequest, View } from '../../../src/protocol/index.js';
import type { ViewerTier } from '../../../src/server/presence/types.js';
import { Batcher } from '../../../src/server/realtime/batcher.js';
import { HIGH_WATER_BYTES } from '../../../src/server/realtime/connection.js';
import { Fanout } from '../../../src/server/realtime/fanout.js';
import { TIER_INDEX } from '../../../src/server/presence/privacy.js';
import { Registry } from '../../../src/server/realtime/registry.js';
import type { PresenceService } from '../../../src/server/status/presence-service.js';
import { graphGiven } from './graph-fakes.js';
import { connection, type FakeSocket } from './socket-fakes.js';

const SUBJECT = 1;
const TS = '2024-01-15T14:30:00.000Z';

const viewAs = (status: View['status'], extra: Partial<View> = {}): View => ({
  user_id: SUBJECT,
  username: 'alice',
  display_name: 'Alice',
  status,
  activity: status === 'offline' ? null : 'browsing',
  custom_message: null,
  last_seen: null,
  timestamp: TS,
  ...extra,
});

/** `given[viewer][subject]`: the category the subject gave the viewer. */
async function setup(given: Record<number, Record<number, FriendCategory>>) {
  const graph = graphGiven(given);
  const registry = new Registry();
  const batcher = new Batcher(1_000_000, 1, () => 0, () => undefined);
  const revoked: Array<[number, string]> = [];
  const fanout = new Fanout(registry, { graph } as unknown as PresenceService, batcher, (u, s) => revoked.push([u, s]));
  const connect = async (userId: number, openedAt = 0) => {
    await graph.load(userId, 'user');
    const c = connection(userId, `c${userId}-${registry.size}`, openedAt);
    // Busy (its one frame of the window sent): events are gathered until the test flushes, not sent one by one.
    c.conn.burstStart = 0;
    c.conn.burstFrames = 1;
    registry.add(c.conn, graph.friendsOf(userId));
    return c;
  };
  const flush = () => batcher.flush();
  return { fanout, registry, batcher, graph, revoked, connect, flush };
}

const frames = (socket: { sent: unknown[] }) => socket.sent.splice(0);

describe('Fanout', () => {
  it('sends status_update to the user and friend_status_change to each watching friend, by tier', async () => {
    const { fanout, connect, flush } = await setup({
      2: { [SUBJECT]: 'friend' },
      3: { [SUBJECT]: 'close_friend' },
      4: { [SUBJECT]: 'friend' },
    });
    const self = await connect(SUBJECT);
    const bob = await connect(2);
    const carol = await connect(3);
    const dave = await connect(4);
    const views: Partial<Record<ViewerTier, View>> = {
      self: viewAs('busy', { custom_message: 'deep work', last_seen: null }),
      friend: viewAs('busy'),
      close_friend: viewAs('busy', { custom_message: 'deep work' }),
    };
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views });
    flush();
    expect(frames(self.socket)).toEqual([
      { seq: 1, type: 'status_update', user_id: SUBJECT, status: 'busy', activity: 'browsing', custom_message: 'deep work', activity_details: null, activity_since: null, custom_message_expires_at: null, timestamp: TS },
    ]);
    const friendFrame = (custom: string | null) => ({
      seq: 1,
      type: 'friend_status_change',
      friend_id: SUBJECT,
      status: 'busy',
      activity: 'browsing',
      custom_message: custom,
      last_seen: null,
      last_seen_approx: null,
      activity_details: null,
      activity_since: null,
      timestamp: TS,
    });
    expect(frames(bob.socket)).toEqual([friendFrame(null)]);
    expect(frames(carol.socket)).toEqual([friendFrame('deep work')]);
    // Dave is a friend again after a close friend: the cached friend body, not Carol's.
    expect(frames(dave.socket)).toEqual([friendFrame(null)]);
  });

  it('sends nothing to viewers whose tier did not change, nor to an acquaintance when only friends changed', async () => {
    const { fanout, connect, flush } = await setup({ 2: { [SUBJECT]: 'friend' }, 3: { [SUBJECT]: 'acquaintance' } });
    const self = await connect(SUBJECT);
    const bob = await connect(2);
    const eve = await connect(3);
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: { friend: viewAs('away') } });
    flush();
    expect(frames(self.socket)).toEqual([]);
    expect(frames(eve.socket)).toEqual([]);
    expect(frames(bob.socket)).toMatchObject([{ type: 'friend_status_change', status: 'away' }]);
    // And the public tier reaches the acquaintance, not the friend.
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: { public: viewAs('online') } });
    flush();
    expect(frames(bob.socket)).toEqual([]);
    expect(frames(eve.socket)).toMatchObject([{ type: 'friend_status_change', status: 'online' }]);
  });

  it('reaches every socket of a viewer, and nobody when nobody watches', async () => {
    const { fanout, connect, flush } = await setup({ 2: { [SUBJECT]: 'friend' } });
    const tab = await connect(2);
    const phone = await connect(2);
    fanout.deliver({ kind: 'presence', userId: 7, views: { friend: viewAs('online', { user_id: 7 }) } });
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: { friend: viewAs('online') } });
    flush();
    expect(frames(tab.socket)).toMatchObject([{ friend_id: SUBJECT, status: 'online' }]);
    expect(frames(phone.socket)).toMatchObject([{ friend_id: SUBJECT, status: 'online' }]);
  });

  it('friend_added starts the watch before telling the viewer; friend_removed ends it', async () => {
    const { fanout, connect, flush } = await setup({});
    const bob = await connect(2);
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: { friend: viewAs('online') } });
    flush();
    expect(frames(bob.socket)).toEqual([]);

    fanout.deliver({ kind: 'friend_added', viewerId: 2, subjectId: SUBJECT, view: viewAs('online') });
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: { public: viewAs('busy') } });
    flush();
    expect(frames(bob.socket)).toEqual([
      {
        type: 'batch',
        messages: [
          { seq: 1, type: 'friend_added', friend: viewAs('online') },
          { seq: 2, type: 'friend_status_change', friend_id: SUBJECT, status: 'busy', activity: 'browsing', custom_message: null, last_seen: null, last_seen_approx: null, activity_details: null, activity_since: null, timestamp: TS },
        ],
      },
    ]);

    fanout.deliver({ kind: 'friend_removed', viewerId: 2, subjectId: SUBJECT });
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: { public: viewAs('away') } });
    flush();
    expect(frames(bob.socket)).toEqual([{ seq: 3, type: 'friend_removed', friend_id: SUBJECT }]);
  });

  it('a backed-up socket keeps only the latest state of a friend, whether it came as view_changed or presence', async () => {
    const { fanout, connect, flush } = await setup({ 2: { [SUBJECT]: 'friend' } });
    const bob = await connect(2);
    fanout.deliver({ kind: 'probe', userId: 2 });
    bob.socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    fanout.deliver({ kind: 'view_changed', viewerId: 2, subjectId: SUBJECT, view: viewAs('online', { custom_message: 'hi' }) });
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: { friend: viewAs('away') } });
    flush();
    expect(frames(bob.socket)).toEqual([]);
    bob.socket.bufferedAmount = 0;
    flush();
    expect(frames(bob.socket)).toEqual([
      {
        type: 'batch',
        messages: [
          { seq: 1, type: 'are_you_there' },
          { seq: 2, type: 'friend_status_change', friend_id: SUBJECT, status: 'away', activity: 'browsing', custom_message: null, last_seen: null, last_seen_approx: null, activity_details: null, activity_since: null, timestamp: TS },
        ],
      },
    ]);
  });

  it('a rename carries the names, and on a backed-up socket a later change of the friend does not drop it', async () => {
    const { fanout, connect, flush } = await setup({ 2: { [SUBJECT]: 'friend' } });
    const bob = await connect(2);
    const self = await connect(SUBJECT);
    bob.socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: { friend: viewAs('online', { display_name: 'Alicia' }), self: viewAs('online', { display_name: 'Alicia' }) }, named: (1 << TIER_INDEX.friend) | (1 << TIER_INDEX.self) });
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: { friend: viewAs('away', { display_name: 'Alicia' }) } });
    bob.socket.bufferedAmount = 0;
    flush();
    const [batch] = frames(bob.socket) as Array<{ messages: Array<Record<string, unknown>> }>;
    expect(batch!.messages.map((m) => [m.status, m.username, m.display_name])).toEqual([
      ['online', 'alice', 'Alicia'],
      ['away', undefined, undefined],
    ]);
    expect(frames(self.socket)).toEqual([expect.objectContaining({ type: 'status_update', display_name: 'Alicia', username: 'alice' })]);
  });

  it("a backed-up socket keeps the user's own latest status_update only", async () => {
    const { fanout, connect, flush } = await setup({});
    const self = await connect(SUBJECT);
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: { self: viewAs('online') } });
    self.socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: { self: viewAs('busy') } });
    self.socket.bufferedAmount = 0;
    flush();
    expect(frames(self.socket)).toMatchObject([{ seq: 1, type: 'status_update', status: 'busy' }]);
  });

  it('a category change reaches the viewer as the new view of that friend', async () => {
    const { fanout, connect, flush } = await setup({ 2: { [SUBJECT]: 'close_friend' } });
    const bob = await connect(2);
    fanout.deliver({ kind: 'view_changed', viewerId: 2, subjectId: SUBJECT, view: viewAs('online', { custom_message: 'hi' }) });
    flush();
    expect(frames(bob.socket)).toEqual([
      { seq: 1, type: 'friend_status_change', friend_id: SUBJECT, status: 'online', activity: 'browsing', custom_message: 'hi', last_seen: null, last_seen_approx: null, activity_details: null, activity_since: null, timestamp: TS },
    ]);
  });

  it('once one of two watchers unfriends, only the other gets the changes, once', async () => {
    for (const leaving of [2, 3]) {
      const { fanout, connect, flush } = await setup({ 2: { [SUBJECT]: 'friend' }, 3: { [SUBJECT]: 'friend' } });
      const sockets: Record<number, FakeSocket> = { 2: (await connect(2)).socket, 3: (await connect(3)).socket };
      const staying = leaving === 2 ? 3 : 2;
      fanout.deliver({ kind: 'friend_removed', viewerId: leaving, subjectId: SUBJECT });
      flush();
      frames(sockets[leaving]!);
      fanout.deliver({ kind: 'presence', userId: SUBJECT, views: { friend: viewAs('away') } });
      flush();
      expect(frames(sockets[leaving]!)).toEqual([]);
      expect(frames(sockets[staying]!)).toMatchObject([{ type: 'friend_status_change', status: 'away' }]);
    }
  });

  it('events for users with no socket here go nowhere, quietly', async () => {
    const { fanout } = await setup({});
    expect(() => {
      fanout.deliver({ kind: 'probe', userId: 42 });
      fanout.deliver({ kind: 'request_closed', viewerId: 42, requestId: 1, reason: 'cancelled' });
      fanout.deliver({ kind: 'friend_removed', viewerId: 42, subjectId: SUBJECT });
      fanout.deliver({ kind: 'presence', userId: 42, views: { self: viewAs('online', { user_id: 42 }) } });
    }).not.toThrow();
  });

  it('friend_updated goes to every socket of the user who changed the category, and a backed-up socket keeps the latest per friend', async () => {
    const { fanout, connect, flush } = await setup({ 2: { [SUBJECT]: 'friend' } });
    const phone = await connect(SUBJECT);
    const laptop = await connect(SUBJECT);
    const bob = await connect(2);
    const friend = (user_id: number, category: FriendCategory) => ({ user_id, username: `u${user_id}`, display_name: `U${user_id}`, category, since: TS });
    fanout.deliver({ kind: 'friend_updated', viewerId: SUBJECT, friend: friend(2, 'close_friend') });
    flush();
    for (const s of [phone, laptop]) expect(frames(s.socket)).toEqual([{ seq: 1, type: 'friend_updated', friend: friend(2, 'close_friend') }]);
    expect(frames(bob.socket)).toEqual([]);

    laptop.socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    fanout.deliver({ kind: 'friend_updated', viewerId: SUBJECT, friend: friend(2, 'acquaintance') });
    fanout.deliver({ kind: 'friend_updated', viewerId: SUBJECT, friend: friend(3, 'acquaintance') });
    fanout.deliver({ kind: 'friend_updated', viewerId: SUBJECT, friend: friend(2, 'friend') });
    laptop.socket.bufferedAmount = 0;
    flush();
    expect(frames(laptop.socket)).toEqual([
      {
        type: 'batch',
        messages: [
          { seq: 2, type: 'friend_updated', friend: friend(3, 'acquaintance') },
          { seq: 3, type: 'friend_updated', friend: friend(2, 'friend') },
        ],
      },
    ]);
  });

  it('delivers friend-request news and probes to that user only, and hands revocations over', async () => {
    const { fanout, connect, flush, revoked } = await setup({});
    const bob = await connect(2);
    const carol = await connect(3);
    const request: FriendRequest = { id: 9, from_user_id: 3, to_user_id: 2, created_at: TS } as FriendRequest;
    fanout.deliver({ kind: 'request_received', viewerId: 2, request });
    fanout.deliver({ kind: 'request_closed', viewerId: 2, requestId: 9, reason: 'declined' });
    fanout.deliver({ kind: 'probe', userId: 2 });
    fanout.deliver({ kind: 'revoked', userId: 2, sessionId: 'login-2' });
    flush();
    expect(frames(bob.socket)).toEqual([
      {
        type: 'batch',
        messages: [
          { seq: 1, type: 'friend_request_received', request },
          { seq: 2, type: 'friend_request_closed', request_id: 9, reason: 'declined' },
          { seq: 3, type: 'are_you_there' },
        ],
      },
    ]);
    expect(frames(carol.socket)).toEqual([]);
    expect(revoked).toEqual([[2, 'login-2']]);
  });

  it('friend-request news sent again after a bus outage reaches only the sockets opened before it was first published', async () => {
    const { fanout, connect, flush } = await setup({});
    const old = await connect(2, 1_000);
    const atThatMoment = await connect(2, 5_000);
    const newer = await connect(2, 9_000);
    const request: FriendRequest = { id: 9, from_user_id: 3, to_user_id: 2, created_at: TS } as FriendRequest;
    fanout.deliver({ kind: 'request_received', viewerId: 2, request, before: 5_000 });
    fanout.deliver({ kind: 'request_sent', viewerId: 2, request, before: 5_000 });
    fanout.deliver({ kind: 'request_closed', viewerId: 2, requestId: 9, reason: 'accepted', before: 5_000 });
    flush();
    expect(frames(old.socket)).toEqual([
      {
        type: 'batch',
        messages: [
          { seq: 1, type: 'friend_request_received', request },
          { seq: 2, type: 'friend_request_sent', request },
          { seq: 3, type: 'friend_request_closed', request_id: 9, reason: 'accepted' },
        ],
      },
    ]);
    // Opened at that moment or since: their `ready` came after it, and nothing of it is news.
    expect(frames(atThatMoment.socket)).toEqual([]);
    expect(frames(newer.socket)).toEqual([]);
    // News as first published reaches them all.
    fanout.deliver({ kind: 'request_closed', viewerId: 2, requestId: 10, reason: 'declined' });
    flush();
    for (const s of [atThatMoment, newer]) expect(frames(s.socket)).toEqual([{ seq: 1, type: 'friend_request_closed', request_id: 10, reason: 'declined' }]);
  });

  it('tells every socket of the sender about a request it sent (friend_request_sent), and nobody else', async () => {
    const { fanout, connect, flush } = await setup({});
    const phone = await connect(3);
    const laptop = await connect(3);
    const bob = await connect(2);
    const request: FriendRequest = { id: 11, from_user_id: 3, to_user_id: 2, created_at: TS } as FriendRequest;
    fanout.deliver({ kind: 'request_sent', viewerId: 3, request });
    flush();
    for (const s of [phone, laptop]) expect(frames(s.socket)).toEqual([{ seq: 1, type: 'friend_request_sent', request }]);
    expect(frames(bob.socket)).toEqual([]);
  });

  it('block changes, game invites, notifications, settings and probe answers reach every socket of that user only', async () => {
    const { fanout, connect, flush } = await setup({});
    const phone = await connect(2);
    const laptop = await connect(2);
    const carol = await connect(3);
    const user = { user_id: 5, username: 'eve' } as never;
    const settings = { status_visibility: 'friends' } as never;
    fanout.deliver({ kind: 'block_changed', viewerId: 2, subjectId: 5, user });
    fanout.deliver({ kind: 'block_changed', viewerId: 2, subjectId: 6, user: null });
    fanout.deliver({ kind: 'game_invite', viewerId: 2, inviteId: 'inv-1', fromUserId: 3 });
    fanout.deliver({ kind: 'game_invite_accepted', viewerId: 2, inviteId: 'inv-2', byUserId: 4 });
    fanout.deliver({ kind: 'game_invite_closed', viewerId: 2, inviteId: 'inv-3', reason: 'accepted' });
    fanout.deliver({ kind: 'notification', viewerId: 2, payload: { type: 'friend_online', friend_id: 3 } as never });
    fanout.deliver({ kind: 'settings', userId: 2, settings });
    fanout.deliver({ kind: 'probe_answered', userId: 2 });
    flush();
    for (const s of [phone, laptop])
      expect(frames(s.socket)).toEqual([
        {
          type: 'batch',
          messages: [
            { seq: 1, type: 'block_changed', user_id: 5, blocked: true, user },
            { seq: 2, type: 'block_changed', user_id: 6, blocked: false },
            { seq: 3, type: 'game_invite', invite_id: 'inv-1', from_user_id: 3 },
            { seq: 4, type: 'game_invite_accepted', invite_id: 'inv-2', by_user_id: 4 },
            { seq: 5, type: 'game_invite_closed', invite_id: 'inv-3', reason: 'accepted' },
            { seq: 6, type: 'friend_online', friend_id: 3 },
            { seq: 7, type: 'settings_update', settings },
            { seq: 8, type: 'probe_answered' },
          ],
        },
      ]);
    expect(frames(carol.socket)).toEqual([]);
  });

  it('a backed-up socket keeps the latest block change per blocked user and the latest settings', async () => {
    const { fanout, connect, flush } = await setup({});
    const bob = await connect(2);
    fanout.deliver({ kind: 'probe', userId: 2 });
    bob.socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    const user = { user_id: 5, username: 'eve' } as never;
    fanout.deliver({ kind: 'block_changed', viewerId: 2, subjectId: 5, user });
    fanout.deliver({ kind: 'settings', userId: 2, settings: { status_visibility: 'friends' } as never });
    fanout.deliver({ kind: 'block_changed', viewerId: 2, subjectId: 6, user: null });
    fanout.deliver({ kind: 'block_changed', viewerId: 2, subjectId: 5, user: null });
    fanout.deliver({ kind: 'settings', userId: 2, settings: { status_visibility: 'nobody' } as never });
    bob.socket.bufferedAmount = 0;
    flush();
    const [batch] = frames(bob.socket) as Array<{ messages: Array<Record<string, unknown>> }>;
    expect(batch!.messages).toEqual([
      { seq: 1, type: 'are_you_there' },
      { seq: 2, type: 'block_changed', user_id: 6, blocked: false },
      { seq: 3, type: 'block_changed', user_id: 5, blocked: false },
      { seq: 4, type: 'settings_update', settings: { status_visibility: 'nobody' } },
    ]);
  });

  it('renames of two friends both reach a backed-up socket, as presence or as view_changed (each friend under a key of its own)', async () => {
    const OTHER = 5;
    const { fanout, connect, flush } = await setup({ 2: { [SUBJECT]: 'friend', [OTHER]: 'friend' } });
    const bob = await connect(2);
    fanout.deliver({ kind: 'probe', userId: 2 });
    bob.socket.bufferedAmount = HIGH_WATER_BYTES + 1;
    const named = 1 << TIER_INDEX.friend;
    fanout.deliver({ kind: 'presence', userId: SUBJECT, views: { friend: viewAs('online', { display_name: 'Alicia' }) }, named });
    fanout.deliver({ kind: 'presence', userId: OTHER, views: { friend: viewAs('online', { user_id: OTHER, username: 'eve', display_name: 'Evie' }) }, named });
    fanout.deliver({ kind: 'view_changed', viewerId: 2, subjectId: SUBJECT, view: viewAs('away', { display_name: 'Ali' }), named: true });
    fanout.deliver({ kind: 'view_changed', viewerId: 2, subjectId: OTHER, view: viewAs('away', { user_id: OTHER, username: 'eve', display_name: 'Eve' }), named: true });
    bob.socket.bufferedAmount = 0;
    flush();
    const [batch] = frames(bob.socket) as Array<{ messages: Array<Record<string, unknown>> }>;
    // The later rename of each friend replaces that friend's earlier one, and only that one.
    expect(batch!.messages.map((m) => [m.type, m.friend_id, m.status, m.username, m.display_name])).toEqual([
      ['are_you_there', undefined, undefined, undefined, undefined],
      ['friend_status_change', SUBJECT, 'away', 'alice', 'Ali'],
      ['friend_status_change', OTHER, 'away', 'eve', 'Eve'],
    ]);
  });

  it('news sent again after an outage to a user with no socket here goes nowhere, quietly', async () => {
    const { fanout, connect, flush } = await setup({});
    const bob = await connect(2);
    const request: FriendRequest = { id: 9, from_user_id: 3, to_user_id: 4, created_at: TS } as FriendRequest;
    expect(() => fanout.deliver({ kind: 'request_received', viewerId: 4, request, before: 5_000 })).not.toThrow();
    flush();
    expect(frames(bob.socket)).toEqual([]);
  });

  describe('the tiers kept on each watcher set', () => {
    const tiered: Partial<Record<ViewerTier, View>> = {
      public: viewAs('online', { custom_message: null, activity: null }),
      friend: viewAs('online', { custom_message: 'for friends' }),
      close_friend: viewAs('online', { custom_message: 'for close friends' }),
      admin: viewAs('online', { custom_message: 'for admins' }),
    };
    const messageOf = (socket: FakeSocket) => (frames(socket) as Array<{ custom_message: string | null }>).map((f) => f.custom_message);

    it('a category changed after a delivery decides the next one (close friend, then friend again)', async () => {
      const { fanout, graph, connect, flush } = await setup({ 2: { [SUBJECT]: 'friend' } });
      const bob = await connect(2);
      fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
      flush();
      expect(messageOf(bob.socket)).toEqual(['for friends']);
      graph.set(2, SUBJECT, 'close_friend');
      fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
      flush();
      expect(messageOf(bob.socket)).toEqual(['for close friends']);
      // Demoted: the close-friends message must not reach him any more.
      graph.set(2, SUBJECT, 'friend');
      fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
      flush();
      expect(messageOf(bob.socket)).toEqual(['for friends']);
    });

    it('a viewer whose sockets’ role changes (made admin) gets the admin view from then on', async () => {
      const { fanout, graph, connect, flush } = await setup({ 2: { [SUBJECT]: 'friend' } });
      const bob = await connect(2);
      fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
      flush();
      expect(messageOf(bob.socket)).toEqual(['for friends']);
      graph.setRole(2, 'admin');
      fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
      flush();
      expect(messageOf(bob.socket)).toEqual(['for admins']);
    });

    it('sets whose watchers share one tier share one read-only array; a mixed set gets its own and changes no other', async () => {
      const [S2, S3, S4] = [101, 102, 103];
      const { fanout, graph, registry, connect, flush } = await setup({
        2: { [SUBJECT]: 'friend', [S2]: 'friend', [S3]: 'friend', [S4]: 'close_friend' },
        3: { [SUBJECT]: 'friend', [S2]: 'close_friend', [S3]: 'friend', [S4]: 'close_friend' },
      });
      const bob = await connect(2);
      const carol = await connect(3);
      const send = (userId: number) => {
        const views = Object.fromEntries(Object.entries(tiered).map(([tier, v]) => [tier, { ...v, user_id: userId }]));
        fanout.deliver({ kind: 'presence', userId, views });
        flush();
        return [messageOf(bob.socket), messageOf(carol.socket)];
      };
      expect(send(SUBJECT)).toEqual([['for friends'], ['for friends']]);
      expect(send(S3)).toEqual([['for friends'], ['for friends']]);
      expect(registry.watchersOf(S3)!.tiers).toBe(registry.watchersOf(SUBJECT)!.tiers);
      expect(send(S2)).toEqual([['for friends'], ['for close friends']]);
      expect(registry.watchersOf(S2)!.tiers).not.toBe(registry.watchersOf(SUBJECT)!.tiers);
      // Bob made a close friend of S2 too: S2's set is uniform again; S's shared array was never written.
      graph.set(2, S2, 'close_friend');
      expect(send(S2)).toEqual([['for close friends'], ['for close friends']]);
      expect(send(SUBJECT)).toEqual([['for friends'], ['for friends']]);
      graph.set(3, S2, 'friend');
      expect(send(S2)).toEqual([['for close friends'], ['for friends']]);
      expect(send(S3)).toEqual([['for friends'], ['for friends']]);
      expect(send(S4)).toEqual([['for close friends'], ['for close friends']]);
    });

    it('a delivery with no change to the set or the graph since the last asks the graph for no tier', async () => {
      const { fanout, graph, connect, flush } = await setup({ 2: { [SUBJECT]: 'friend' }, 3: { [SUBJECT]: 'close_friend' } });
      const bob = await connect(2);
      const carol = await connect(3);
      let asked = 0;
      const tier = graph.tier.bind(graph);
      graph.tier = (viewerId, subjectId) => (asked++, tier(viewerId, subjectId));
      for (let i = 0; i < 2; i++) {
        fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
        flush();
        expect([messageOf(bob.socket), messageOf(carol.socket)]).toEqual([['for friends'], ['for close friends']]);
      }
      // Both watchers' tiers asked once, at the first delivery.
      expect(asked).toBe(2);
    });

    it('a mixed set keeps its own tiers array while its watchers fit in it, and gets a larger one once they outgrow it', async () => {
      const { fanout, registry, connect, flush } = await setup({
        2: { [SUBJECT]: 'friend' },
        3: { [SUBJECT]: 'close_friend' },
        4: { [SUBJECT]: 'friend' },
        5: { [SUBJECT]: 'close_friend' },
        6: { [SUBJECT]: 'friend' },
      });
      const sockets = [await connect(2), await connect(3), await connect(4)];
      const send = () => {
        fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
        flush();
        return sockets.map((s) => messageOf(s.socket)[0]);
      };
      expect(send()).toEqual(['for friends', 'for close friends', 'for friends']);
      const own = registry.watchersOf(SUBJECT)!.tiers!;
      expect(own).toHaveLength(4);
      // A fourth watcher fills the set's block of 4: the same array, written again.
      sockets.push(await connect(5));
      expect(send()).toEqual(['for friends', 'for close friends', 'for friends', 'for close friends']);
      expect(registry.watchersOf(SUBJECT)!.tiers).toBe(own);
      // A fifth moves the set to a block of 8: a new array of that size.
      sockets.push(await connect(6));
      expect(send()).toEqual(['for friends', 'for close friends', 'for friends', 'for close friends', 'for friends']);
      expect(registry.watchersOf(SUBJECT)!.tiers).not.toBe(own);
      expect(registry.watchersOf(SUBJECT)!.tiers).toHaveLength(8);
    });

    it('reaches every watcher of a set larger than the shared uniform arrays (4,097), each with their tier', async () => {
      const N = 4097;
      const given: Record<number, Record<number, FriendCategory>> = {};
      for (let v = 2; v < 2 + N; v++) given[v] = { [SUBJECT]: 'friend' };
      const { fanout, connect, flush } = await setup(given);
      const sockets: FakeSocket[] = [];
      for (let v = 2; v < 2 + N; v++) sockets.push((await connect(v)).socket);
      fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
      flush();
      const got = sockets.map((s) => messageOf(s).join());
      expect(got.filter((m) => m !== 'for friends')).toEqual([]);
      expect(got).toHaveLength(N);
    });

    it('a watcher who joins or leaves after a delivery is counted with their own tier', async () => {
      const { fanout, registry, connect, flush } = await setup({ 2: { [SUBJECT]: 'friend' }, 3: { [SUBJECT]: 'close_friend' }, 4: { [SUBJECT]: 'acquaintance' } });
      const bob = await connect(2);
      fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
      flush();
      messageOf(bob.socket);
      const carol = await connect(3);
      const eve = await connect(4);
      fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
      flush();
      expect(messageOf(bob.socket)).toEqual(['for friends']);
      expect(messageOf(carol.socket)).toEqual(['for close friends']);
      expect(messageOf(eve.socket)).toEqual([null]);
      // Bob leaves: the set is reordered (swap-remove), and each remaining watcher keeps their tier.
      registry.remove(registry.connsOf(2)![0]!, [SUBJECT]);
      fanout.deliver({ kind: 'presence', userId: SUBJECT, views: tiered });
      flush();
      expect(messageOf(bob.socket)).toEqual([]);
      expect(messageOf(carol.socket)).toEqual(['for close friends']);
      expect(messageOf(eve.socket)).toEqual([null]);
    });
  });
});
