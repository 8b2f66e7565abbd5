/** SettingsStore.live(): the server's news of the user's settings, from other devices. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SettingsStore, settingsChanged, type SettingsChangedEvent } from '../../../src/web/lib/settings-store.js';
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
  it('announces each settings_update, and re-reads at every sync (a reconnect, a poll, a refetch) but not the first', async () => {
    const client = fakeClient(async () => ({ ...base, status_visibility: 'hidden' }));
    const target = new EventTarget();
    const seen = announced(target);
    const stop = new SettingsStore(client as never).live(target as Document);
    client.emit('synced', {});
    expect(client.reads).toBe(0);
    client.emit('settings', { settings: { ...base, activity_visibility: 'nobody' } });
    expect(seen.map((s) => s.activity_visibility)).toEqual(['nobody']);
    client.emit('synced', {}); // a reconnect: what changed meanwhile is read
    await new Promise((r) => setTimeout(r, 0));
    expect(client.reads).toBe(1);
    expect(seen.at(-1)?.status_visibility).toBe('hidden');
    stop();
    client.emit('settings', { settings: base });
    expect(seen).toHaveLength(2);
  });

  it('re-reads at each answered poll: no push reaches a polling client', async () => {
    let shown: Settings = base;
    const client = fakeClient(async () => shown);
    const target = new EventTarget();
    const seen = announced(target);
    new SettingsStore(client as never).live(target as Document);
    client.emit('synced', {}); // the first poll: load() read the settings then
    shown = { ...base, status_visibility: 'hidden' }; // "Appear offline" on another device
    client.emit('synced', {});
    await new Promise((r) => setTimeout(r, 0));
    shown = { ...base, status_visibility: 'close_friends' };
    client.emit('synced', {});
    await new Promise((r) => setTimeout(r, 0));
    expect(client.reads).toBe(2);
    expect(seen.map((s) => s.status_visibility)).toEqual(['hidden', 'close_friends']);
  });

  it('tells nothing when a re-read finds the settings known (most polls)', async () => {
    const client = fakeClient(async () => ({ ...base }));
    const target = new EventTarget();
    const seen = announced(target);
    const store = new SettingsStore(client as never);
    const stopFollow = store.follow(target as Document);
    store.live(target as Document);
    await store.load();
    client.emit('synced', {});
    client.emit('synced', {});
    await new Promise((r) => setTimeout(r, 0));
    expect(client.reads).toBe(2);
    expect(seen).toEqual([]);
    stopFollow();
  });

  it('reads nothing at a sync while a save is on its way (a read answered before it would show the settings before it)', async () => {
    let saved!: (s: Settings) => void;
    const client = Object.assign(fakeClient(async () => base), {
      updateSettings: () => new Promise<Settings>((resolve) => (saved = resolve)),
    });
    const target = new EventTarget();
    vi.stubGlobal('document', new EventTarget());
    try {
      const store = new SettingsStore(client as never);
      store.live(target as Document);
      client.emit('synced', {});
      const save = store.update({ status_visibility: 'hidden' });
      client.emit('synced', {});
      expect(client.reads).toBe(0);
      saved({ ...base, status_visibility: 'hidden' });
      await save;
      client.emit('synced', {});
      expect(client.reads).toBe(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('drops a re-read that a newer settings_update overtook', async () => {
    let answer!: (s: Settings) => void;
    const client = fakeClient(() => new Promise<Settings>((resolve) => (answer = resolve)));
    const target = new EventTarget();
    const seen = announced(target);
    new SettingsStore(client as never).live(target as Document);
    client.emit('synced', {});
    client.emit('synced', {}); // the re-read starts...
    client.emit('settings', { settings: { ...base, status_visibility: 'hidden' } }); // ...a newer push arrives
    answer({ ...base, status_visibility: 'public' }); // the read's older answer
    await new Promise((r) => setTimeout(r, 0));
    expect(seen.map((s) => s.status_visibility)).toEqual(['hidden']);
  });

  it("does not pass a server push to the browser's other tabs (each gets its own), but does pass a save made here", async () => {
    const client = fakeClient(async () => base);
    const target = new EventTarget();
    const store = new SettingsStore(client as never, 77);
    const stopFollow = store.follow(target as Document);
    const stopLive = store.live(target as Document);
    const otherTab = new BroadcastChannel('beacon.settings.77');
    const heard: Settings[] = [];
    otherTab.onmessage = (m: MessageEvent<Settings>) => heard.push(m.data);
    try {
      client.emit('settings', { settings: { ...base, status_visibility: 'hidden' } });
      expect(store.value?.status_visibility).toBe('hidden');
      target.dispatchEvent(settingsChanged({ ...base, status_visibility: 'public' }, 77));
      await expect.poll(() => heard.map((s) => s.status_visibility)).toEqual(['public']);
    } finally {
      otherTab.close();
      stopLive();
      stopFollow();
    }
  });
});

describe('SettingsStore: answers that cross', () => {
  // Saves are told on the page's document.
  let document: EventTarget;
  beforeEach(() => vi.stubGlobal('document', (document = new EventTarget())));
  afterEach(() => vi.unstubAllGlobals());

  /** A client whose saves are answered when the test says, in any order. */
  function slowSaves() {
    const client = fakeClient(async () => base);
    const answers: Array<(s: Settings) => void> = [];
    return Object.assign(client, {
      state: 'connected' as string,
      updateSettings: () => new Promise<Settings>((resolve) => answers.push(resolve)),
      answers,
    });
  }

  it('shows the answer of the save sent last, never an older answer that comes after it', async () => {
    const client = slowSaves();
    const store = new SettingsStore(client as never);
    const seen = announced(document);
    const first = store.update({ activity_visibility: 'close_friends' });
    const second = store.update({ custom_message_visibility: 'public' });
    const both = { ...base, activity_visibility: 'close_friends', custom_message_visibility: 'public' } as const;
    client.answers[1]!(both);
    expect(await second).toEqual(both);
    client.answers[0]!({ ...base, activity_visibility: 'close_friends' }); // the server saved it first; its answer is late
    expect(await first).toEqual(both); // what is known now, not the old answer
    expect(store.value).toEqual(both);
    expect(seen).toEqual([both]);
  });

  it('leaves a save answered after a push to the pushes (its own is that one or comes next)', async () => {
    const client = slowSaves();
    const store = new SettingsStore(client as never);
    const seen = announced(document);
    const stopFollow = store.follow(document as Document);
    const stopLive = store.live(document as Document);
    try {
      const save = store.update({ activity_visibility: 'close_friends' });
      const newer = { ...base, activity_visibility: 'close_friends', custom_message_visibility: 'public' } as const;
      client.emit('settings', { settings: newer }); // this save and a later one, as the server holds them
      client.answers[0]!({ ...base, activity_visibility: 'close_friends' });
      expect(await save).toEqual(newer);
      expect(store.value).toEqual(newer);
      expect(seen).toEqual([newer]);
      // A save sent after the push is news again.
      const later = store.update({ last_seen_visibility: 'nobody' });
      client.answers[1]!({ ...newer, last_seen_visibility: 'nobody' });
      await later;
      expect(store.value?.last_seen_visibility).toBe('nobody');
    } finally {
      stopLive();
      stopFollow();
    }
  });

  it("takes another tab's save only while this tab has no socket (connected, its own push tells it, in order)", async () => {
    const client = slowSaves();
    const target = new EventTarget();
    const store = new SettingsStore(client as never, 78);
    const stop = store.follow(target as Document);
    const otherTab = new BroadcastChannel('beacon.settings.78');
    try {
      otherTab.postMessage({ ...base, status_visibility: 'public' });
      await new Promise((r) => setTimeout(r, 50));
      expect(store.value).toBeNull();
      client.state = 'polling';
      otherTab.postMessage({ ...base, status_visibility: 'hidden' });
      await expect.poll(() => store.value?.status_visibility).toBe('hidden');
    } finally {
      otherTab.close();
      stop();
    }
  });

  it("is one account's: tells its saves as that account's, and takes no other account's news (nor passes it on)", async () => {
    const client = slowSaves();
    const store = new SettingsStore(client as never, 79);
    const told: Array<{ account: number | null | undefined; settings: Settings | null }> = [];
    document.addEventListener('beacon:settings-changed', (e) => told.push({ account: (e as SettingsChangedEvent).account, settings: (e as SettingsChangedEvent).detail }));
    const stop = store.follow(document as Document);
    const otherTab = new BroadcastChannel('beacon.settings.79');
    const heard: Settings[] = [];
    otherTab.onmessage = (m: MessageEvent<Settings>) => heard.push(m.data);
    try {
      // The account signed in before on this page: its late answer, told as its own.
      document.dispatchEvent(settingsChanged({ ...base, status_visibility: 'hidden' }, 80));
      // And news that says no account.
      document.dispatchEvent(new CustomEvent('beacon:settings-changed', { detail: { ...base, status_visibility: 'public' } }));
      expect(store.value).toBeNull();
      const save = store.update({ activity_visibility: 'nobody' });
      client.answers[0]!({ ...base, activity_visibility: 'nobody' });
      await save;
      expect(store.value?.activity_visibility).toBe('nobody');
      expect(told.at(-1)).toEqual({ account: 79, settings: { ...base, activity_visibility: 'nobody' } });
      // Only this account's save reached its other tabs.
      await expect.poll(() => heard.map((s) => s.activity_visibility)).toEqual(['nobody']);
    } finally {
      otherTab.close();
      stop();
    }
  });
});
