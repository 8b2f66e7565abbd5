/**
 * Game invitations on every dialect: an acceptance reaches the inviter only for an
 * invitation that exists, by the friend it was made for, once, before it expires; two
 * acceptances at once send one. Found by an outside run: any friend could send
 * `game_invite_accepted` for an invitation never made, or made to someone else, again and again.
 */
import { describe, expect, it } from 'vitest';
import { INVITE_TTL_MS, GameInvites } from '../../src/server/games/game-invites.js';
import type { BusEvent } from '../../src/server/status/presence-events.js';
import { testDialects, useMigratedDatabase } from '../helpers/databases.js';

const [ALICE, BOB, CAROL, DAVE] = [1, 2, 3, 4];
/** Alice, Bob and Carol are all friends; Dave is nobody's. */
const FRIENDS = new Set(['1-2', '2-1', '1-3', '3-1', '2-3', '3-2']);

describe.each(testDialects())('game invitations on %s', (dialect) => {
  const fixture = useMigratedDatabase(dialect);

  function setup() {
    let now = 1_800_000_000_000;
    const sent: Array<{ to: number; event: BusEvent }> = [];
    const invites = new GameInvites({
      db: fixture.database.db,
      graph: { categoryGiven: async (subject, viewer) => (FRIENDS.has(`${subject}-${viewer}`) ? 'friend' : null) },
      publish: (to, event) => sent.push({ to, event }),
      now: () => now,
    });
    const accepted = () => sent.filter((s) => s.event.kind === 'game_invite_accepted');
    const closed = () => sent.filter((s) => s.event.kind === 'game_invite_closed');
    return { invites, sent, accepted, closed, advance: (ms: number) => (now += ms) };
  }

  it('sends the acceptance once, only for an invitation made to the one accepting', async () => {
    const { invites, sent, accepted, closed } = setup();
    const id = await invites.invite(ALICE, BOB);
    expect(sent).toEqual([{ to: BOB, event: { kind: 'game_invite', viewerId: BOB, inviteId: id, fromUserId: ALICE } }]);

    // Carol, a friend of Alice's, cannot accept Bob's invitation, nor one never made.
    await expect(invites.accept(CAROL, ALICE, id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(invites.accept(CAROL, ALICE, '5120fb64-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Nor can Bob accept it as if Carol had made it.
    await expect(invites.accept(BOB, CAROL, id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(accepted()).toEqual([]);
    expect(closed()).toEqual([]);

    await invites.accept(BOB, ALICE, id);
    expect(accepted()).toEqual([{ to: ALICE, event: { kind: 'game_invite_accepted', viewerId: ALICE, inviteId: id, byUserId: BOB } }]);
    // Bob's own devices (his channel alone) stop offering it.
    expect(closed()).toEqual([{ to: BOB, event: { kind: 'game_invite_closed', viewerId: BOB, inviteId: id, reason: 'accepted' } }]);
    await expect(invites.accept(BOB, ALICE, id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(accepted()).toHaveLength(1);
    expect(closed()).toHaveLength(1);
  });

  it('refuses non-friends both ways', async () => {
    const { invites, sent } = setup();
    await expect(invites.invite(ALICE, DAVE)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(invites.accept(DAVE, ALICE, '5120fb64-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(sent).toEqual([]);
  });

  it('lets an invitation expire, and housekeeping delete it', async () => {
    const { invites, accepted, advance } = setup();
    const late = await invites.invite(ALICE, BOB);
    const kept = await invites.invite(ALICE, CAROL);
    advance(INVITE_TTL_MS - 1);
    await invites.accept(CAROL, ALICE, kept);
    advance(1);
    await expect(invites.accept(BOB, ALICE, late)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(accepted().map((s) => s.event)).toEqual([expect.objectContaining({ inviteId: kept })]);
    const fresh = await invites.invite(BOB, CAROL);
    expect(await invites.prune(1_800_000_000_000 + INVITE_TTL_MS)).toBe(1);
    await invites.accept(CAROL, BOB, fresh);
  });

  it('sends one acceptance for two at once (two tabs, two instances)', async () => {
    const { invites, accepted, closed } = setup();
    const id = await invites.invite(ALICE, BOB);
    const results = await Promise.allSettled([invites.accept(BOB, ALICE, id), invites.accept(BOB, ALICE, id)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(accepted()).toHaveLength(1);
    expect(closed()).toHaveLength(1);
  });
});
