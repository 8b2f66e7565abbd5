/** Input in one tab counts for the browser's other tabs while they are not connected (lib/shared-input.ts). */
import { describe, expect, it } from 'vitest';
import { MARK_EVERY_MS, SHARED_INPUT_KEY, shareInput, type InputClient } from '../../../src/web/lib/shared-input.js';
import type { ConnectionState } from '../../../src/client/presence-types.js';

/** A document, a localStorage and a window, each with only what shareInput uses. */
function tab(state: ConnectionState) {
  const inputs = new Set<() => void>();
  const storageListeners = new Set<(e: StorageEvent) => void>();
  const written: string[] = [];
  let clock = 1_000_000;
  const client: InputClient & { reported: number } = { state, reported: 0, notifyInteraction() { this.reported++; } };
  const doc = { addEventListener: (_: string, fn: () => void) => inputs.add(fn), removeEventListener: (_: string, fn: () => void) => inputs.delete(fn) };
  const storage = { setItem: (key: string, value: string) => key === SHARED_INPUT_KEY && written.push(value) } as unknown as Storage;
  const win = {
    addEventListener: (_: string, fn: (e: StorageEvent) => void) => storageListeners.add(fn),
    removeEventListener: (_: string, fn: (e: StorageEvent) => void) => storageListeners.delete(fn),
  } as unknown as Window;
  const stop = shareInput(client, doc, storage, win, () => clock);
  return {
    client, written, stop,
    input: () => [...inputs][0]!(),
    later: (ms: number) => (clock += ms),
    heard: (key: string | null, newValue: string | null) => storageListeners.forEach((fn) => fn({ key, newValue } as StorageEvent)),
    listening: () => inputs.size > 0 || storageListeners.size > 0,
  };
}

describe('shareInput', () => {
  it('marks this tab’s input for the others, at most once per period', () => {
    const t = tab('connected');
    t.input();
    t.input();
    t.later(MARK_EVERY_MS - 1);
    t.input();
    t.later(1);
    t.input();
    expect(t.written).toEqual(['1000000', String(1_000_000 + MARK_EVERY_MS)]);
  });

  it('takes another tab’s mark as input owed only while not connected', () => {
    for (const [state, reported] of [['connected', 0], ['reconnecting', 1], ['offline', 1], ['polling', 1]] as const) {
      const t = tab(state);
      t.heard(SHARED_INPUT_KEY, '123');
      t.heard('beacon.token', 'x');
      t.heard(SHARED_INPUT_KEY, null);
      expect(t.client.reported, state).toBe(reported);
    }
  });

  it('stops listening when its session ends', () => {
    const t = tab('offline');
    t.stop();
    expect(t.listening()).toBe(false);
  });
});
