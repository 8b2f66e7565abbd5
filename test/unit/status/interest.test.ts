/** Reference-counted interest with a linger, on an injected clock. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Interest } from '../../../src/server/status/interest.js';

function setup(lingerMs = 1000) {
  let t = 0;
  const interest = new Interest(lingerMs, () => t);
  const released: number[] = [];
  const sweep = (keep: (id: number) => boolean = () => false) => interest.sweep((id) => (keep(id) ? false : (released.push(id), true)));
  return { interest, released, sweep, advance: (ms: number) => (t += ms) };
}

describe('Interest', () => {
  it('keeps a user while any local viewer holds them, and offers them only after the linger once the last one drops', () => {
    const { interest, released, sweep, advance } = setup();
    interest.hold([1, 2]);
    interest.hold([2, 3]);
    advance(5000);
    sweep();
    interest.drop([1, 2]);
    expect(interest.held(2)).toBe(true);
    expect(interest.held(1)).toBe(false);
    advance(999);
    sweep();
    expect(released).toEqual([]);
    advance(1);
    sweep();
    expect(released).toEqual([1]);
    interest.drop([2, 3]);
    advance(1000);
    sweep();
    expect(released).toEqual([1, 2, 3]);
    expect(interest.heldCount).toBe(0);
  });

  it('a touch keeps an unheld user for the linger, and a later touch extends it', () => {
    const { interest, released, sweep, advance } = setup();
    interest.touch([7]);
    advance(600);
    interest.touch([7]);
    advance(600);
    sweep();
    expect(released).toEqual([]);
    advance(400);
    sweep();
    expect(released).toEqual([7]);
  });

  it('a touched user that a viewer holds when the linger ends is not offered, and is offered after the viewer drops', () => {
    const { interest, released, sweep, advance } = setup();
    interest.touch([4]);
    interest.hold([4]);
    advance(2000);
    sweep();
    expect(released).toEqual([]);
    interest.drop([4]);
    advance(1000);
    sweep();
    expect(released).toEqual([4]);
  });

  it('a user the caller keeps is offered again a second later, until it lets go', () => {
    const { interest, released, sweep, advance } = setup(0);
    interest.touch([9]);
    let keep = true;
    sweep(() => keep);
    advance(500);
    keep = false;
    sweep(() => keep);
    expect(released).toEqual([]);
    advance(500);
    sweep(() => keep);
    expect(released).toEqual([9]);
  });

  it('a touch never shortens a longer linger (a kept user waits out its retry, longer than a short linger)', () => {
    const { interest, released, sweep, advance } = setup(300);
    interest.touch([5]);
    advance(300);
    // Kept by the caller: offered again 1000 ms later, past the 300 ms a touch now would give.
    sweep(() => true);
    advance(100);
    interest.touch([5]);
    advance(600);
    sweep();
    expect(released).toEqual([]);
    advance(300);
    sweep();
    expect(released).toEqual([5]);
  });

  it('a drop for a user forgotten while held lingers them and leaves the count of held users alone', () => {
    const { interest, released, sweep, advance } = setup();
    interest.hold([3, 4]);
    interest.forget(3);
    expect(interest.heldCount).toBe(1);
    // The viewer's socket closes after the account was forgotten: its drop finds no entry.
    interest.drop([3]);
    expect(interest.heldCount).toBe(1);
    expect(interest.held(3)).toBe(false);
    advance(999);
    sweep();
    expect(released).toEqual([]);
    advance(1);
    sweep();
    expect(released).toEqual([3]);
  });
});

/** The two-map form Interest had before it kept one entry per user: the reference for the property below. */
class TwoMapInterest {
  readonly counts = new Map<number, number>();
  readonly lingering = new Map<number, number>();
  constructor(
    private readonly lingerMs: number,
    private readonly now: () => number,
  ) {}
  hold(ids: number[]): void {
    for (const id of ids) this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }
  drop(ids: number[]): void {
    const until = this.now() + this.lingerMs;
    for (const id of ids) {
      const n = (this.counts.get(id) ?? 0) - 1;
      if (n > 0) this.counts.set(id, n);
      else {
        this.counts.delete(id);
        this.#linger(id, until);
      }
    }
  }
  touch(ids: number[]): void {
    const until = this.now() + this.lingerMs;
    for (const id of ids) if (!this.counts.has(id)) this.#linger(id, until);
  }
  sweep(release: (id: number) => boolean): void {
    const now = this.now();
    this.lingering.forEach((until, id) => {
      if (until > now) return;
      if (this.counts.has(id) || release(id)) this.lingering.delete(id);
      else this.lingering.set(id, now + 1000);
    });
  }
  forget(id: number): void {
    this.counts.delete(id);
    this.lingering.delete(id);
  }
  #linger(id: number, until: number): void {
    const cur = this.lingering.get(id);
    if (cur === undefined || cur < until) this.lingering.set(id, until);
  }
}

describe('Interest against its two-map reference', () => {
  const ids = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 });
  const op = fc.oneof(
    fc.record({ op: fc.constant('hold' as const), ids }),
    fc.record({ op: fc.constant('drop' as const), ids }),
    fc.record({ op: fc.constant('touch' as const), ids }),
    fc.record({ op: fc.constant('forget' as const), id: fc.integer({ min: 1, max: 6 }) }),
    fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2500 }) }),
    fc.record({ op: fc.constant('sweep' as const), keep: fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 3 }) }),
  );

  it('holds, offers and releases the same users at the same times for any sequence of calls', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 3000 }), fc.array(op, { maxLength: 60, size: 'max' }), (lingerMs, ops) => {
        let t = 1_700_000_000_000;
        const now = () => t;
        const subject = new Interest(lingerMs, now);
        const reference = new TwoMapInterest(lingerMs, now);
        for (const o of ops) {
          if (o.op === 'hold') {
            subject.hold(o.ids);
            reference.hold(o.ids);
          } else if (o.op === 'drop') {
            // Only what a caller does: drop what it held (LoginSessions pairs every drop with a hold).
            const held = o.ids.filter((id) => (reference.counts.get(id) ?? 0) > 0);
            subject.drop(held);
            reference.drop(held);
          } else if (o.op === 'touch') {
            subject.touch(o.ids);
            reference.touch(o.ids);
          } else if (o.op === 'forget') {
            subject.forget(o.id);
            reference.forget(o.id);
          } else if (o.op === 'advance') t += o.ms;
          else {
            const offeredS: number[] = [];
            const offeredR: number[] = [];
            const offer = (offered: number[]) => (id: number) => {
              offered.push(id);
              return !o.keep.includes(id);
            };
            subject.sweep(offer(offeredS));
            reference.sweep(offer(offeredR));
            expect(offeredS.sort()).toEqual(offeredR.sort());
          }
          for (let id = 1; id <= 6; id++) expect(subject.held(id)).toBe(reference.counts.has(id));
          expect(subject.heldCount).toBe(reference.counts.size);
        }
      }),
      { numRuns: 500 },
    );
  });
});
