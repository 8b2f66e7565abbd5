/** Admission: arrival order, at most perTurn per turn of the event loop, I/O served between turns. */
import { describe, expect, it } from 'vitest';
import { Admission } from '../../../src/server/realtime/admission.js';

describe('Admission', () => {
  it('admits in arrival order, perTurn at a time, letting other callbacks run between turns', async () => {
    const a = new Admission(2);
    const log: string[] = [];
    const all = [1, 2, 3, 4, 5].map((n) => a.turn().then(() => void log.push(`admit ${n}`)));
    expect(a.waiting).toBe(5);
    // Queued before the first turn ran: stands for I/O that arrives meanwhile.
    setImmediate(() => log.push('io'));
    await Promise.all(all);
    expect(log).toEqual(['admit 1', 'admit 2', 'io', 'admit 3', 'admit 4', 'admit 5']);
    expect(a.waiting).toBe(0);
  });

  it('costs one hop when nothing waits', async () => {
    const a = new Admission();
    let admitted = false;
    const p = a.turn().then(() => (admitted = true));
    expect(admitted).toBe(false);
    await p;
    expect(admitted).toBe(true);
  });
});
