/** Holds a method's first call at a chosen point, to put another action deterministically inside a race's window. */
import { vi } from 'vitest';

/**
 * Holds the first call of `proto[method]` (on any instance) until `release()`: `when: 'after'`
 * once the real method has run (its write is made, its answer held), `'before'` before it runs.
 * Later calls go through. `reached` resolves when the first call is held.
 */
export function holdFirstCall<T extends object>(proto: T, method: keyof T & string, when: 'before' | 'after') {
  const original = proto[method] as unknown as (...args: unknown[]) => Promise<unknown>;
  let reachedIt!: () => void;
  const reached = new Promise<void>((r) => (reachedIt = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let first = true;
  const spy = vi.spyOn(proto, method as never).mockImplementation((async function (this: unknown, ...args: unknown[]) {
    const held = first;
    first = false;
    if (held && when === 'before') {
      reachedIt();
      await released;
    }
    const result = await original.apply(this, args);
    if (held && when === 'after') {
      reachedIt();
      await released;
    }
    return result;
  }) as never);
  return { reached, release, restore: () => spy.mockRestore() };
}
