/** Reference-counted interest with a linger, on an injected clock. */
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
});
