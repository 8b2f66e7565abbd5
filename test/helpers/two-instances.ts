/**
 * Two instances of one deployment for a describe block: twoLiveApps over an in-memory bus and
 * presence store, fresh for each test.
 */
import { afterEach, beforeEach } from 'vitest';
import type { Config } from '../../src/server/config.js';
import { twoLiveApps, type LiveApp } from './live-app.js';

/** Registers the hooks; the returned pair holds the current test's instances `a` and `b` (both started with `config`). */
export function useTwoInstances(config: Partial<Config> = {}): { a: LiveApp; b: LiveApp } {
  const pair = {} as { a: LiveApp; b: LiveApp };
  let close: () => Promise<void> = async () => {};
  beforeEach(async () => {
    ({ a: pair.a, b: pair.b, close } = await twoLiveApps('memory', config));
  });
  afterEach(() => close());
  return pair;
}
