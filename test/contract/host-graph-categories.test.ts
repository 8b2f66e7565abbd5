/**
 * HostSocialGraph (src/server/integration/host-graph.ts): a friend the host's friend list gives
 * no valid category is an acquaintance, and the log hears of it at most once a minute on the
 * injected clock (every connect and re-read asks the list again, and would say it each time).
 */
import { describe, expect, it } from 'vitest';
import { HostSocialGraph } from '../../src/server/integration/host-graph.js';
import { IdMap } from '../../src/server/integration/id-map.js';
import type { SocialGraphPort } from '../../src/server/ports/social-graph.js';
import { testDialects, useMigratedDatabase } from '../helpers/databases.js';

describe.each(testDialects())('host friend categories on %s', (dialect) => {
  const fixture = useMigratedDatabase(dialect);

  it('takes a missing or misspelt category as acquaintance, said at most once a minute', async () => {
    let now = 1_000_000;
    const ids = new IdMap(fixture.database.db, () => now);
    const map = await ids.internal(['ann', 'bob', 'cy', 'di']);
    const [ann, bob, cy, di] = ['ann', 'bob', 'cy', 'di'].map((id) => map.get(id)!);
    const port = {
      friendsOf: async () => [
        { id: 'bob', category: 'close_friend' },
        { id: 'cy', category: 'Close Friend' },
        { id: 'di' },
      ],
    } as unknown as SocialGraphPort;
    const said: Array<[string | number, Array<string | number>]> = [];
    const graph = new HostSocialGraph(port, ids, 60_000, { uncategorised: (user, friends) => said.push([user, friends]), now: () => now });

    const first = await graph.categoriesGivenTo(ann!);
    expect([...first].sort((x, y) => x[0] - y[0])).toEqual(
      [
        [bob, 'close_friend'],
        [cy, 'acquaintance'],
        [di, 'acquaintance'],
      ].sort((x, y) => (x[0] as number) - (y[0] as number)),
    );
    expect(said).toEqual([['ann', ['cy', 'di']]]);

    // Read again within the minute: the same answer, nothing more said.
    now += 59_999;
    expect(await graph.categoryGiven(cy!, ann!)).toBe('acquaintance');
    expect(said).toHaveLength(1);

    // A minute after it was last said, said again.
    now += 1;
    await graph.categoriesGivenTo(ann!);
    expect(said).toHaveLength(2);

    // A list with every category valid says nothing, even past the minute.
    now += 120_000;
    const valid = new HostSocialGraph({ friendsOf: async () => [{ id: 'bob', category: 'friend' }] } as unknown as SocialGraphPort, ids, 60_000, {
      uncategorised: (user, friends) => said.push([user, friends]),
      now: () => now,
    });
    expect(await valid.categoryGiven(bob!, ann!)).toBe('friend');
    expect(said).toHaveLength(2);
  });
});
