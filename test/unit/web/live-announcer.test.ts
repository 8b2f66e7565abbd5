/**
 * The friend list's announcements: changes that come within a moment are said together in
 * one update of the live region, none replacing another before it was said; a change said
 * elsewhere (a toast) is withdrawn, whichever of the two comes first.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GATHER_MS, LiveAnnouncer, MAX_SENTENCES } from '../../../src/web/lib/live-announcer.js';

afterEach(() => vi.useRealTimers());

function announcer(): { said: string[]; live: LiveAnnouncer } {
  vi.useFakeTimers();
  const said: string[] = [];
  const live = new LiveAnnouncer((text) => said.push(text), {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
  });
  return { said, live };
}

describe('LiveAnnouncer', () => {
  it('says two friends’ changes 26 ms apart in one update, the first not replaced by the second', () => {
    const { said, live } = announcer();
    live.say(1, 'Olive (@olive) is now busy');
    vi.advanceTimersByTime(26);
    live.say(2, 'Andy (@andy) is now away');
    expect(said).toEqual([]);
    vi.advanceTimersByTime(GATHER_MS - 26);
    expect(said).toEqual(['Olive (@olive) is now busy. Andy (@andy) is now away']);
    vi.advanceTimersByTime(10 * GATHER_MS);
    expect(said).toHaveLength(1);
  });

  it('says a lone change after the moment, and a later one in an update of its own', () => {
    const { said, live } = announcer();
    live.say(1, 'Olive (@olive) is now busy');
    vi.advanceTimersByTime(GATHER_MS - 1);
    expect(said).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(said).toEqual(['Olive (@olive) is now busy']);
    live.say(1, 'Olive (@olive) is now away');
    vi.advanceTimersByTime(GATHER_MS);
    expect(said).toEqual(['Olive (@olive) is now busy', 'Olive (@olive) is now away']);
  });

  it('keeps one sentence per friend: their later change within the moment replaces the earlier', () => {
    const { said, live } = announcer();
    live.say(1, 'Olive (@olive) is now busy');
    live.say(2, 'Andy (@andy) is now away');
    live.say(1, 'Olive (@olive) is now offline');
    vi.advanceTimersByTime(GATHER_MS);
    expect(said).toEqual(['Olive (@olive) is now offline. Andy (@andy) is now away']);
  });

  it(`counts what does not fit in ${MAX_SENTENCES} sentences`, () => {
    const { said, live } = announcer();
    for (let id = 1; id <= 7; id++) live.say(id, `F${id} (@f${id}) is now online`);
    vi.advanceTimersByTime(GATHER_MS);
    expect(said).toEqual(['F1 (@f1) is now online. F2 (@f2) is now online. F3 (@f3) is now online. 4 more friends changed status']);
    for (let id = 1; id <= 4; id++) live.say(id, `F${id} (@f${id}) is now away`);
    vi.advanceTimersByTime(GATHER_MS);
    expect(said.at(-1)).toBe('F1 (@f1) is now away. F2 (@f2) is now away. F3 (@f3) is now away. 1 more friend changed status');
  });

  it('drops a change said elsewhere (the toast), whether the toast comes just after it or just before', () => {
    const { said, live } = announcer();
    // The change first, the toast 29 ms later.
    live.say(1, 'Otto (@otto) is now online');
    live.say(2, 'Andy (@andy) is now away');
    vi.advanceTimersByTime(29);
    live.withdraw(1);
    vi.advanceTimersByTime(GATHER_MS);
    expect(said).toEqual(['Andy (@andy) is now away']);
    // The toast first, the change 29 ms later.
    live.withdraw(3);
    vi.advanceTimersByTime(29);
    live.say(3, 'Tia (@tia) is now online');
    vi.advanceTimersByTime(GATHER_MS);
    expect(said).toEqual(['Andy (@andy) is now away']);
    // Only that moment: Tia's next change, later, is said.
    live.say(3, 'Tia (@tia) is now busy');
    vi.advanceTimersByTime(GATHER_MS);
    expect(said).toEqual(['Andy (@andy) is now away', 'Tia (@tia) is now busy']);
  });

  it('says nothing once disposed', () => {
    const { said, live } = announcer();
    live.say(1, 'Olive (@olive) is now busy');
    live.dispose();
    vi.advanceTimersByTime(GATHER_MS);
    expect(said).toEqual([]);
  });
});
