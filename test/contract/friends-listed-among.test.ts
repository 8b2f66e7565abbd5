/**
 * FriendRepository.listedAmong, read where a `friend_updated` sent again after a bus outage
 * arrives (repeated-states.ts): each pair asked about that is still a friendship, as the user
 * lists that friend now (the category the user gives, not the one given back); pairs no longer
 * (or never) friends are left out, and a pair asked twice is answered once. On SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { FriendRepository } from '../../src/server/friends/friend-repository.js';
import { UserRepository } from '../../src/server/users/user-repository.js';
import { testDialects, useMigratedDatabase } from '../helpers/databases.js';

describe.each(testDialects())('friends listed among pairs on %s', (dialect) => {
  const fixture = useMigratedDatabase(dialect);

  it('answers each friendship asked about as the user lists it now, and nothing for the others', async () => {
    const { db } = fixture.database;
    const users = new UserRepository(db);
    const friends = new FriendRepository(db);
    const [ann, ben, cas, dee] = await Promise.all(['ann', 'ben', 'cas', 'dee'].map(async (name) => (await users.create({ username: name, displayName: name.toUpperCase(), passwordHash: 'h', role: 'user', now: 1000 }))!.id));
    await friends.befriend(ann!, ben!, 2000);
    await friends.befriend(ann!, cas!, 3000);
    await friends.setCategory(ann!, ben!, 'close_friend', 4000);
    await friends.setCategory(ben!, ann!, 'acquaintance', 5000);
    await friends.unfriend(ann!, cas!);
    const listed = await friends.listedAmong([
      { userId: ann!, friendId: ben! },
      { userId: ben!, friendId: ann! },
      { userId: ann!, friendId: cas! },
      { userId: ann!, friendId: dee! },
      { userId: ann!, friendId: ben! },
    ]);
    expect(listed.sort((x, y) => x.userId - y.userId)).toEqual(
      [
        { userId: ann, friend: await friends.getFriend(ann!, ben!) },
        { userId: ben, friend: { user_id: ann, username: 'ann', display_name: 'ANN', category: 'acquaintance', since: new Date(2000).toISOString() } },
      ].sort((x, y) => x.userId! - y.userId!),
    );
    expect(listed.find((l) => l.userId === ann)?.friend.category).toBe('close_friend');
    expect(await friends.listedAmong([])).toEqual([]);
  });
});
