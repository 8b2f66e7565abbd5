/**
 * hostNames (src/server/integration/host-graph.ts): the names an embedded host's profiles port
 * gives, by Beacon id. A profile answered with an id no host id may be (a host's bug) is left
 * out: it must not take the other users' names down with it.
 */
import { describe, expect, it } from 'vitest';
import { hostNames } from '../../src/server/integration/host-graph.js';
import { IdMap } from '../../src/server/integration/id-map.js';
import type { ProfilesPort } from '../../src/server/ports/profiles.js';
import { testDialects, useMigratedDatabase } from '../helpers/databases.js';

describe.each(testDialects())('host names on %s', (dialect) => {
  const fixture = useMigratedDatabase(dialect);

  it('names the users the port answers for, and leaves out a profile whose id has a control character', async () => {
    const ids = new IdMap(fixture.database.db, Date.now);
    const map = await ids.internal(['ann', 'bob']);
    const [ann, bob] = [map.get('ann')!, map.get('bob')!];
    const port: ProfilesPort = {
      profiles: async () => [
        { id: 'ann', name: 'Ann' },
        { id: 'bad\u0000id', name: 'Evil' },
        { id: 'bob', name: 'Bob' },
      ],
    };
    const names = await hostNames(port, ids)([ann, bob]);
    expect([...names].sort((x, y) => x[0] - y[0])).toEqual([[ann, 'Ann'], [bob, 'Bob']].sort((x, y) => (x[0] as number) - (y[0] as number)));
  });
});
