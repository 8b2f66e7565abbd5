/**
 * Property-based privacy test (issue 10, "the attack as tests"): random friend graphs,
 * one-sided categories, settings and presence, applied to a running app one after another;
 * every output channel (REST status, friends list, search, `ready`, live events) is compared
 * with a small reference model of the contract's rules (reference-model.ts). CI runs
 * BEACON_PROPERTY_WORLDS (default 200) worlds on SQLite and a share of them on PostgreSQL;
 * `npm run test:property` runs 2,000.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, testDialects } from '../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { worldArb, POOL } from './world.js';
import { WorldRunner, type PoolUser } from './world-runner.js';

const WORLDS = Number(process.env.BEACON_PROPERTY_WORLDS ?? 200);
/** PostgreSQL runs the same worlds more slowly: a tenth of them, at least 20. */
const WORLDS_ON = { sqlite: WORLDS, postgres: Math.max(20, Math.ceil(WORLDS / 10)) };

describe.each(testDialects())('privacy property on %s', (dialect) => {
  let t: LiveApp;
  let drop: () => Promise<void>;
  let users: PoolUser[];
  beforeAll(async () => {
    const fresh = await freshDatabase(dialect);
    drop = fresh.drop;
    // No idle probes during a run: observations must not move the truth they observe.
    t = await startLiveApp({ databaseUrl: fresh.url, idleTimeoutMs: 24 * 3_600_000 });
    users = [];
    for (let i = 0; i < POOL; i++) {
      const username = `pw_${i}`;
      const u = await t.register(username);
      users.push({ ...u, username, admin: i === POOL - 1 });
    }
    await t.grantAdmin(users[POOL - 1]!.username);
  });
  afterAll(async () => {
    await t.close();
    await drop();
  });

  it(`shows every viewer exactly what the model allows, on every channel, in ${WORLDS_ON[dialect]} random worlds`, async () => {
    const runner = new WorldRunner(t, users);
    let worlds = 0;
    await fc.assert(
      fc.asyncProperty(worldArb, async (world) => {
        runner.mismatches = [];
        await runner.apply(world);
        await runner.observe();
        worlds++;
        if (runner.mismatches.length > 0) throw new Error(`${runner.mismatches.length} mismatches:\n${runner.mismatches.slice(0, 10).join('\n')}`);
      }),
      { numRuns: WORLDS_ON[dialect], endOnFailure: true },
    );
    expect(worlds).toBe(WORLDS_ON[dialect]);
  }, 600_000);
});
