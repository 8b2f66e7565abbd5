/**
 * Finding: turning "Appear offline" off restored the status audience remembered in this
 * browser (for any account, and only when the switch itself had hidden the user), else
 * `friends`. A user who kept their status for close friends and hid from the Privacy page,
 * from another device, or after another account used the browser, was shown to every friend
 * when unhiding. Now the page notes, per account, the audience of every settings it learns,
 * and falls back on the narrowest one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../../src/web/lib/label-types.js';
import { SettingsStore } from '../../../src/web/lib/settings-store.js';
import { rememberStatusAudience, statusAudienceToRestore } from '../../../src/web/lib/unhide.js';

const base: Settings = { status_visibility: 'friends', activity_visibility: 'friends', last_seen_visibility: 'friends', custom_message_visibility: 'friends' };

/** A client whose server holds `stored`, and pushes `settings_update` to `on('settings')` handlers. */
function fakeClient(initial: Settings) {
  let stored = initial;
  const handlers: Record<string, Array<(p: never) => void>> = {};
  return {
    on(event: string, fn: (p: never) => void) {
      (handlers[event] ??= []).push(fn);
      return () => void (handlers[event] = handlers[event]!.filter((f) => f !== fn));
    },
    push(settings: Settings) {
      stored = settings;
      for (const fn of handlers.settings ?? []) fn({ settings } as never);
    },
    async getSettings() {
      return stored;
    },
    async updateSettings(patch: Partial<Settings>) {
      stored = { ...stored, ...patch };
      return stored;
    },
  };
}

describe('the status audience "Appear offline" goes back to', () => {
  const saved = { localStorage: globalThis.localStorage, document: globalThis.document };
  beforeEach(() => {
    const items = new Map<string, string>();
    Object.assign(globalThis, {
      localStorage: { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) },
      document: new EventTarget(),
    });
  });
  afterEach(() => void Object.assign(globalThis, saved));

  it('is the one in force before hiding from the Privacy page, not one noted at an earlier hide (then friends were shown)', async () => {
    // Earlier, the switch hid the user while their status was for friends, and noted that.
    rememberStatusAudience(7, { status_visibility: 'friends' });
    const client = fakeClient({ ...base, status_visibility: 'close_friends' });
    const store = new SettingsStore(client, 7);
    store.follow(document, 7);
    await store.load();
    await store.update({ status_visibility: 'hidden' });
    expect(statusAudienceToRestore(7)).toBe('close_friends');
  });

  it('is the audience the user chose, not a fallback: public stays public', async () => {
    const client = fakeClient({ ...base, status_visibility: 'public' });
    const store = new SettingsStore(client, 7);
    store.follow(document, 7);
    await store.load();
    await store.update({ status_visibility: 'hidden' });
    expect(statusAudienceToRestore(7)).toBe('public');
  });

  it('follows a change made on another device, pushed to this page', async () => {
    const client = fakeClient({ ...base, status_visibility: 'close_friends' });
    const store = new SettingsStore(client, 7);
    const offs = [store.follow(document, 7), store.live(document)];
    await store.load();
    client.push({ ...base, status_visibility: 'public' });
    client.push({ ...base, status_visibility: 'hidden' });
    expect(store.value?.status_visibility).toBe('hidden');
    expect(statusAudienceToRestore(7)).toBe('public');
    offs.forEach((off) => off());
  });

  it('is kept per account: another account of this browser never picks it up; nothing known is the narrowest audience', () => {
    rememberStatusAudience(1, { status_visibility: 'public' });
    expect(statusAudienceToRestore(1)).toBe('public');
    expect(statusAudienceToRestore(2)).toBe('close_friends');
    expect(statusAudienceToRestore(null)).toBe('close_friends');
    rememberStatusAudience(1, { status_visibility: 'hidden' });
    expect(statusAudienceToRestore(1)).toBe('public');
  });
});
