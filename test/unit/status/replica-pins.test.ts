/** Pins: a replica used by an ensure() or a caller between its awaits is never releasable, however the pins nest. */
import { describe, expect, it } from 'vitest';
import type { PresenceEngine } from '../../../src/server/presence/presence-engine.js';
import type { Profile } from '../../../src/server/status/presence-repository.js';
import { Replicas } from '../../../src/server/status/replicas.js';
import type { PresenceDeps } from '../../../src/server/status/presence-service.js';

function replicas(loaded: number[]) {
  const profiles = new Map<number, Profile>(loaded.map((id) => [id, { id } as Profile]));
  const deps = { bus: { instanceId: 'i1', unsubscribe: () => undefined }, store: { shared: false }, now: () => 0 } as unknown as PresenceDeps;
  const engine = { remove: () => undefined } as unknown as PresenceEngine;
  return { r: new Replicas(deps, engine, { profiles, changed: () => undefined }), profiles };
}

describe('Replicas pins', () => {
  it('a loaded user stays unreleasable while any pin on them is held, nested or repeated, and releasable after', async () => {
    const { r } = replicas([7, 8]);
    const seen: boolean[] = [];
    await r.pinned([7, 7, 8], async () => {
      seen.push(r.releasable(7), r.releasable(8));
      await r.pinned([7], async () => {
        await Promise.resolve();
        seen.push(r.releasable(7));
      });
      seen.push(r.releasable(7));
    });
    expect(seen).toEqual([false, false, false, false]);
    expect(r.releasable(7)).toBe(true);
    expect(r.releasable(8)).toBe(true);
    // Released, then pinned again: counted from zero.
    r.release(7);
    await r.pinned([7], async () => expect(r.releasable(7)).toBe(false));
    expect(r.releasable(7)).toBe(true);
  });

  it('a pin that throws is still let go; a user never loaded is releasable once unpinned', async () => {
    const { r } = replicas([]);
    await expect(r.pinned([9], async () => {
      expect(r.releasable(9)).toBe(false);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(r.releasable(9)).toBe(true);
  });
});

describe('Replicas ensure', () => {
  it('loads each missing user once, whether named twice in one call or by calls at once, and every call waits for its users', async () => {
    const loads: number[][] = [];
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const profiles = new Map<number, Profile>([[1, { id: 1 } as Profile]]);
    const deps = {
      bus: { instanceId: 'i1', subscribe: () => undefined, unsubscribe: () => undefined, settled: async () => undefined },
      store: { shared: false },
      repo: {
        load: async (ids: number[]) => {
          loads.push([...ids]);
          await gate;
          return ids.map((id) => ({ profile: { id } as Profile, persisted: {} }));
        },
      },
      now: () => 0,
      log: { warn: () => undefined },
    } as unknown as PresenceDeps;
    const engine = { load: () => undefined, remove: () => undefined } as unknown as PresenceEngine;
    const r = new Replicas(deps, engine, { profiles, changed: () => undefined });
    const done: string[] = [];
    const a = r.ensure([1, 2, 3, 2, 3]).then(() => done.push('a'));
    const b = r.ensure([3, 4, 4]).then(() => done.push('b'));
    const c = r.ensure([1]).then(() => done.push('c'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(loads).toEqual([[2, 3], [4]]);
    expect(done).toEqual(['c']);
    finish();
    await Promise.all([a, b, c]);
    expect(done.sort()).toEqual(['a', 'b', 'c']);
    expect([...profiles.keys()].sort()).toEqual([1, 2, 3, 4]);
    await r.ensure([2, 3, 4]);
    expect(loads).toHaveLength(2);
  });
});
