/** Who is connected here and who watches whom: the fan-out's index. */
import { describe, expect, it } from 'vitest';
import { Registry } from '../../../src/server/realtime/registry.js';
import { connection } from './socket-fakes.js';

const watchers = (r: Registry, subject: number): number[] => {
  const w = r.watchersOf(subject);
  if (!w) return [];
  const ids = new Int32Array(w.size);
  r.copyWatchers(w, ids);
  return [...ids].sort((a, b) => a - b);
};

describe('Registry', () => {
  it("a user's first socket starts watching their friends; a second socket adds no watch twice", () => {
    const r = new Registry();
    const tab = connection(1, 'tab').conn;
    const phone = connection(1, 'phone').conn;
    r.add(tab, [2, 3]);
    r.add(phone, [2, 3]);
    expect(r.size).toBe(2);
    expect(r.connsOf(1)).toEqual([tab, phone]);
    expect(watchers(r, 2)).toEqual([1]);
    expect(watchers(r, 3)).toEqual([1]);
    expect(r.all()).toEqual([tab, phone]);
  });

  it('a friend added while connected, then disconnect and reconnect: one watch each, never two', () => {
    const r = new Registry();
    const first = connection(1, 'a').conn;
    r.add(first, [2]);
    r.watch(1, 3); // a friendship made while connected
    r.remove(first, [2, 3]); // the friend list at close includes the new friend
    expect(watchers(r, 2)).toEqual([]);
    expect(watchers(r, 3)).toEqual([]);
    const again = connection(1, 'b').conn;
    r.add(again, [2, 3]);
    r.watch(1, 3); // a late duplicate event changes nothing
    expect(watchers(r, 2)).toEqual([1]);
    expect(watchers(r, 3)).toEqual([1]);
  });

  it('adding the same socket twice counts it once', () => {
    const r = new Registry();
    const c = connection(1).conn;
    r.add(c, [2]);
    r.add(c, [2]);
    expect(r.size).toBe(1);
    expect(r.connsOf(1)).toEqual([c]);
  });

  it('the watches stay until the last socket of the user leaves', () => {
    const r = new Registry();
    const tab = connection(1, 'tab').conn;
    const phone = connection(1, 'phone').conn;
    r.add(tab, [2]);
    r.add(phone, [2]);
    expect(r.remove(tab, [2])).toBe(false);
    expect(watchers(r, 2)).toEqual([1]);
    expect(r.connsOf(1)).toEqual([phone]);
    expect(r.remove(phone, [2])).toBe(true);
    expect(r.size).toBe(0);
    expect(r.connsOf(1)).toBeUndefined();
    expect(r.watchersOf(2)).toBeUndefined();
    expect(r.all()).toEqual([]);
  });

  it('removing a socket that is not registered changes nothing', () => {
    const r = new Registry();
    const c = connection(1, 'a').conn;
    r.add(c, [2]);
    expect(r.remove(connection(1, 'other').conn, [2])).toBe(false);
    expect(r.remove(connection(9).conn, [2])).toBe(false);
    expect(r.size).toBe(1);
    expect(watchers(r, 2)).toEqual([1]);
  });

  it('only viewers connected here watch; unwatching one viewer leaves the others', () => {
    const r = new Registry();
    r.watch(1, 2); // not connected: ignored
    expect(r.watchersOf(2)).toBeUndefined();
    for (const id of [1, 3, 4]) r.add(connection(id).conn, []);
    r.watch(1, 2);
    r.watch(3, 2);
    r.watch(4, 2);
    r.watch(3, 2);
    expect(watchers(r, 2)).toEqual([1, 3, 4]);
    r.unwatch(1, 2);
    expect(watchers(r, 2)).toEqual([3, 4]);
    r.unwatch(1, 2);
    r.unwatch(7, 9);
    expect(watchers(r, 2)).toEqual([3, 4]);
    r.unwatch(3, 2);
    r.unwatch(4, 2);
    expect(r.watchersOf(2)).toBeUndefined();
  });

  it('a viewer who unwatched and watches again is a watcher again, and removing someone never removes another', () => {
    const r = new Registry();
    for (const id of [1, 2, 3]) r.add(connection(id).conn, []);
    r.watch(1, 9);
    r.watch(2, 9);
    r.watch(3, 9);
    r.unwatch(3, 9);
    r.watch(3, 9);
    expect(watchers(r, 9)).toEqual([1, 2, 3]);
    r.unwatch(1, 9);
    r.unwatch(1, 9);
    expect(watchers(r, 9)).toEqual([2, 3]);
    r.unwatch(3, 9);
    r.unwatch(3, 9);
    expect(watchers(r, 9)).toEqual([2]);
  });

  it('holds many watchers of one subject (grows past its first capacity) and removes any of them', () => {
    const r = new Registry();
    const ids = Array.from({ length: 37 }, (_, i) => 100 + i);
    for (const id of ids) r.add(connection(id).conn, [1]);
    expect(watchers(r, 1)).toEqual(ids);
    for (const id of ids.filter((x) => x % 3 === 0)) r.unwatch(id, 1);
    expect(watchers(r, 1)).toEqual(ids.filter((x) => x % 3 !== 0));
  });
});
