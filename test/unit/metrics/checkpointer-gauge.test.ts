/** beacon_sqlite_checkpointer_up: what an operator alerts on when SQLite's checkpoints are back on the event loop. */
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/server/metrics/metrics.js';
import { parsePrometheus, sample } from '../../helpers/prometheus.js';

const read = async (m: Metrics) => sample(parsePrometheus(await m.registry.metrics()), 'beacon_sqlite_checkpointer_up');

describe('beacon_sqlite_checkpointer_up', () => {
  it('follows the checkpointer, read at each scrape', async () => {
    const metrics = new Metrics();
    let up = true;
    metrics.watchCheckpointer(() => up);
    expect(await read(metrics)).toBe(1);
    up = false;
    expect(await read(metrics)).toBe(0);
  });

  it('is 1 where there is no checkpointer (PostgreSQL, SQLite in memory)', async () => {
    expect(await read(new Metrics())).toBe(1);
  });
});
