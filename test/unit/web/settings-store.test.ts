/** SettingsStore.live(): the server's news of the user's settings, from other devices. */
import { describe, expect, it } from 'vitest';
import { SettingsStore } from '../../../src/web/lib/settings-store.js';
import type { Settings } from '../../../src/web/lib/label-types.js';

const base: Settings = { status_visibility: 'friends', activity_visibility: 'friends', last_seen_visibility: 'friends', custom_message_visibility: 'friends' };

function fakeClient(read: () => Promise<Settings>) {
  const handlers: Record<string, Array<(p: never) => void>> = {};
  return {
    reads: 0,
    on(event: string, fn: (p: never) => void) {
      (handlers[event] ??= []).push(fn);
      return () => void (handlers[event] = handlers[event]!.filter((f) => f !== fn));
    },
    emit(event: string, payload: unknown) {
      for (const fn of handlers[event] ?? []) fn(payload as never);
    },
    async getSettings() {
      this.reads++;
      return read();
    },
    async updateSettings() {
      return base;
    },
  };
}

function announced(target: EventTarget): Settings[] {
  const seen: Settings[] = [];
  target.addEventListener('beacon:settings-changed', (e) => seen.push((e as CustomEvent<Settings>).detail));
  return seen;
}

describe('SettingsStore.live', () => {
  it('announces each settings_update, and re-reads at every reconnect but not the first connect', async () => {
    const client = fakeClient(async () => ({ ...base, status_visibility: 'hidden' }));
    const target = new EventTarget();
    const seen = announced(target);
    const stop = new SettingsStore(client as never).live(target as Document);
    client.emit('ready', {});
    expect(client.reads).toBe(0);
    client.emit('settings', { settings: { ...base, activity_visibility: 'nobody' } });
    expect(seen.map((s) => s.activity_visibility)).toEqual(['nobody']);
    client.emit('ready', {}); // a reconnect: what changed meanwhile is read
    await new Promise((r) => setTimeout(r, 0));
    expect(client.reads).toBe(1);
    expect(seen.at(-1)?.status_visibility).toBe('hidden');
    stop();
    client.emit('settings', { settings: base });
    expect(seen).toHaveLength(2);
  });

  it('drops a re-read that a newer settings_update overtook', async () => {
    let answer!: (s: Settings) => void;
    const client = fakeClient(() => new Promise<Settings>((resolve) => (answer = resolve)));
    const target = new EventTarget();
    const seen = announced(target);
    new SettingsStore(client as never).live(target as Document);
    client.emit('ready', {});
    client.emit('ready', {}); // the re-read starts...
    client.emit('settings', { settings: { ...base, status_visibility: 'hidden' } }); // ...a newer push arrives
    answer({ ...base, status_visibility: 'public' }); // the read's older answer
    await new Promise((r) => setTimeout(r, 0));
    expect(seen.map((s) => s.status_visibility)).toEqual(['hidden']);
  });

  it("does not pass a server push to the browser's other tabs (each gets its own), but does pass a save made here", async () => {
    const client = fakeClient(async () => base);
    const target = new EventTarget();
    const store = new SettingsStore(client as never);
    const stopFollow = store.follow(target as Document, 77);
    const stopLive = store.live(target as Document);
    const otherTab = new BroadcastChannel('beacon.settings.77');
    const heard: Settings[] = [];
    otherTab.onmessage = (m: MessageEvent<Settings>) => heard.push(m.data);
    try {
      client.emit('settings', { settings: { ...base, status_visibility: 'hidden' } });
      expect(store.value?.status_visibility).toBe('hidden');
      target.dispatchEvent(new CustomEvent('beacon:settings-changed', { detail: { ...base, status_visibility: 'public' } }));
      await expect.poll(() => heard.map((s) => s.status_visibility)).toEqual(['public']);
    } finally {
      otherTab.close();
      stopLive();
      stopFollow();
    }
  });
});
