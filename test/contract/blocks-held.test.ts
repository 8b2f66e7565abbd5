/**
 * BlockRepository.held, read after a bus outage to send block changes again as they hold now
 * (outage-block-changes.ts): each pair asked about, blocked (as the blocker's list shows the
 * other) or not (unblocked, never blocked, or the other's account gone); and blockersOf, read
 * when an account is deleted to tell those who blocked it. On SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { BlockRepository } from '../../src/server/friends/block-repository.js';
import { UserRepository } from '../../src/server/users/user-repository.js';
import { testDialects, useMigratedDatabase } from '../helpers/databases.js';

describe.each(testDialects())('blocks held on %s', (dialect) => {
  const fixture = useMigratedDatabase(dialect);

  it('answers each pair as the blocker lists it now, or null', async () => {
    const { db } = fixture.database;
    const users = new UserRepository(db);
    const blocks = new BlockRepository(db);
    const [ann, ben, cas, dee] = await Promise.all(['ann', 'ben', 'cas', 'dee'].map(async (name) => (await users.create({ username: name, displayName: name.toUpperCase(), passwordHash: 'h', role: 'user', now: 1000 }))!.id));
    await blocks.block(ann!, ben!, 2000);
    await blocks.block(ann!, cas!, 3000);
    await blocks.unblock(ann!, cas!);
    await blocks.block(dee!, ann!, 4000);
    const held = await blocks.held([
      { viewerId: ann!, subjectId: ben! },
      { viewerId: ann!, subjectId: cas! },
      { viewerId: dee!, subjectId: ann! },
      { viewerId: ben!, subjectId: ann! },
    ]);
    expect(held).toEqual([
      { viewerId: ann, subjectId: ben, user: (await blocks.list(ann!))[0] },
      { viewerId: ann, subjectId: cas, user: null },
      { viewerId: dee, subjectId: ann, user: { user_id: ann, username: 'ann', display_name: 'ANN', since: new Date(4000).toISOString() } },
      { viewerId: ben, subjectId: ann, user: null },
    ]);
    expect(await blocks.held([])).toEqual([]);
    // Who blocks a user (told when that user's account is deleted): Ann's lifted block is not among them.
    expect(await blocks.blockersOf(ann!)).toEqual([dee]);
    expect(await blocks.blockersOf(cas!)).toEqual([]);
  });
});
