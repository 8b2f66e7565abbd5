/** Export and import of a user's replicable state (what instances share in cluster mode). */
import { describe, expect, it } from 'vitest';
import { ALICE, setup } from './engine-fixture.js';

describe('PresenceEngine replicas', () => {
  it('an imported state reproduces the exported one exactly', () => {
    const a = setup();
    a.engine.openSession(ALICE, 'A/1', 'socket');
    a.engine.setManualStatus(ALICE, 'busy', { message: 'ranked', expiresAt: null });
    a.engine.startGame(ALICE, 'm1', 'tournament');
    const b = setup();
    const change = b.engine.importUser(ALICE, a.engine.exportUser(ALICE));
    expect(change?.after).toEqual(a.engine.get(ALICE));
    expect(b.engine.get(ALICE)).toMatchObject({ status: 'in_game', activity: 'in_tournament', customMessage: 'ranked' });
    expect(b.engine.exportUser(ALICE)).toEqual(a.engine.exportUser(ALICE));
  });

  it('keeps the sessions the caller owns and takes the others from the import', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 'A/mine', 'socket');
    engine.openSession(ALICE, 'B/stale', 'socket');
    const remote = { ...engine.exportUser(ALICE), sessions: [{ id: 'C/theirs', kind: 'socket' as const, lastTouch: 0 }] };
    engine.importUser(ALICE, remote, (id) => id.startsWith('A/'));
    expect(engine.sessionIds(ALICE).sort()).toEqual(['A/mine', 'C/theirs']);
  });

  it('a user with no session left after an import goes offline once its grace is over', () => {
    const { engine, advance, now } = setup();
    engine.openSession(ALICE, 'B/1', 'socket');
    const state = { ...engine.exportUser(ALICE), sessions: [], graceUntil: now() + 1000 };
    expect(engine.importUser(ALICE, state)).toBeNull();
    expect(engine.get(ALICE).status).toBe('online');
    expect(advance(1000).changes.map((c) => c.after.status)).toEqual(['offline']);
  });

  it('reports no change when the import matches what the replica already shows', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 'A/1', 'socket');
    expect(engine.importUser(ALICE, engine.exportUser(ALICE))).toBeNull();
  });
});
