/** RecentUse (recent-use.ts): time held, halved every half-life on the injected clock; the least-used candidate; a bounded memory. */
import { describe, expect, it } from 'vitest';
import { RecentUse } from '../../../src/server/recent-use.js';
import { FakeClock } from '../../helpers/clock.js';

describe('RecentUse', () => {
  it('adds what a user held and halves it every half-life', () => {
    const clock = new FakeClock();
    const use = new RecentUse({ halfLifeMs: 60_000, now: clock.now });
    expect(use.of(1)).toBe(0);
    use.charge(1, 3000);
    use.charge(1, 1000);
    expect(use.of(1)).toBe(4000);
    clock.advance(60_000);
    expect(use.of(1)).toBeCloseTo(2000, 6);
    use.charge(1, 500);
    clock.advance(120_000);
    expect(use.of(1)).toBeCloseTo(625, 6);
    // Decayed below a millisecond: forgotten.
    clock.advance(60_000 * 20);
    expect(use.of(1)).toBe(0);
    expect(use.size).toBe(0);
  });

  it('tells how long until a user’s use has decayed to a level', () => {
    const clock = new FakeClock();
    const use = new RecentUse({ halfLifeMs: 60_000, now: clock.now });
    use.charge(7, 8000);
    expect(use.untilAtMost(7, 8000)).toBe(0);
    expect(use.untilAtMost(7, 2000)).toBe(120_000);
    expect(use.untilAtMost(8, 1)).toBe(0);
    clock.advance(120_000);
    expect(use.untilAtMost(7, 2000)).toBe(0);
  });

  it('picks the candidate with the least use, the first of equals', () => {
    const clock = new FakeClock();
    const use = new RecentUse({ halfLifeMs: 60_000, now: clock.now });
    use.charge(1, 10_000);
    use.charge(2, 200);
    use.charge(3, 200);
    expect(use.least([1, 2, 3])).toBe(2);
    expect(use.least([3, 1, 2])).toBe(3);
    expect(use.least([1, 2, 4, 3])).toBe(4);
    expect(use.least([])).toBeNull();
    // Time held so far and not yet charged counts too.
    expect(use.least([2, 3], (id) => (id === 2 ? 50 : 0))).toBe(3);
    expect(use.least([4, 2], (id) => (id === 4 ? 201 : 0))).toBe(2);
  });

  it('remembers at most maxUsers, forgetting the one charged longest ago', () => {
    const clock = new FakeClock();
    const use = new RecentUse({ halfLifeMs: 60_000, now: clock.now, maxUsers: 2 });
    use.charge(1, 100);
    use.charge(2, 100);
    use.charge(1, 100);
    use.charge(3, 100);
    expect(use.size).toBe(2);
    expect(use.of(2)).toBe(0);
    expect(use.of(1)).toBe(200);
    expect(use.of(3)).toBe(100);
  });
});
