/**
 * The signed-in user's privacy settings, shared by the header (to show "Invisible" and the
 * audience), the status menu and the Privacy page, so a change in one shows in all: in the
 * user's other tabs of this browser (a BroadcastChannel), and on the user's other devices
 * (the server's `settings_update` frame, and a re-read at every reconnect for a change made
 * while this one was disconnected).
 */
import type { PresenceClient } from '../../client/presence-client.js';
import type { Settings } from './label-types.js';

export class SettingsStore {
  #value: Settings | null = null;
  readonly #client: Pick<PresenceClient, 'getSettings' | 'updateSettings' | 'unhide' | 'on'>;
  readonly #listeners = new Set<(s: Settings) => void>();
  /** Moves on every settings_update and every save here: a re-read that started before one is stale. */
  #pushes = 0;
  /** Settings the server pushed to this tab: every tab gets its own push, so these are not passed to the others. */
  readonly #pushed = new WeakSet<Settings>();

  constructor(client: Pick<PresenceClient, 'getSettings' | 'updateSettings' | 'unhide' | 'on'>) {
    this.#client = client;
  }

  /**
   * Follows the server's news of the user's settings until the returned function runs: each
   * `settings_update` (a change on another device), and a re-read at every reconnect (not the
   * first connect: `load()` reads then). Announced as `beacon:settings-changed` on `target`,
   * like a save made here.
   */
  live(target: Pick<Document, 'dispatchEvent'> = document): () => void {
    const announce = (s: Settings): void => void target.dispatchEvent(new CustomEvent('beacon:settings-changed', { detail: s }));
    let connects = 0;
    const offs = [
      this.#client.on('settings', ({ settings }) => {
        this.#pushes++;
        this.#pushed.add(settings);
        announce(settings);
      }),
      this.#client.on('ready', () => {
        if (connects++ === 0) return;
        const pushes = this.#pushes;
        this.#client.getSettings().then(
          (s) => {
            if (pushes !== this.#pushes) return;
            this.#pushed.add(s); // every tab re-reads on its own reconnect
            announce(s);
          },
          () => undefined, // the next reconnect or push tries again
        );
      }),
    ];
    return () => offs.forEach((off) => off());
  }

  /**
   * Follows `beacon:settings-changed` events (their detail is the saved settings) until the
   * returned function runs. With `userId`, also passes them to and from that user's other tabs
   * (a BroadcastChannel per user), where they arrive as the same event.
   */
  follow(target: Pick<Document, 'addEventListener' | 'removeEventListener' | 'dispatchEvent'> = document, userId?: number): () => void {
    const channel = userId !== undefined && typeof BroadcastChannel === 'function' ? new BroadcastChannel(`beacon.settings.${userId}`) : null;
    /** The settings just received from another tab: not sent back. */
    let received: Settings | null = null;
    const fn = (e: CustomEvent<Settings | null>): void => {
      if (!e.detail) return;
      this.#set(e.detail);
      if (e.detail !== received && !this.#pushed.has(e.detail)) channel?.postMessage(e.detail);
    };
    if (channel) {
      channel.onmessage = (m: MessageEvent<Settings>) => {
        received = m.data;
        target.dispatchEvent(new CustomEvent('beacon:settings-changed', { detail: m.data }));
        received = null;
      };
    }
    target.addEventListener('beacon:settings-changed', fn);
    return () => {
      target.removeEventListener('beacon:settings-changed', fn);
      channel?.close();
    };
  }

  get value(): Settings | null {
    return this.#value;
  }

  async load(): Promise<Settings> {
    return this.#set(await this.#client.getSettings());
  }

  /** Saves, then tells every screen (header, menu, Privacy page) through `beacon:settings-changed`. */
  async update(patch: Partial<Settings>): Promise<Settings> {
    return this.#saved(await this.#client.updateSettings(patch));
  }

  /**
   * Stops appearing offline: the server restores the audience in force when the user hid,
   * whichever device hid (a device's own memory of it may be older and wider). Told like a save.
   */
  async unhide(): Promise<Settings> {
    return this.#saved(await this.#client.unhide());
  }

  #saved(s: Settings): Settings {
    this.#pushes++; // newer than any re-read still running
    document.dispatchEvent(new CustomEvent('beacon:settings-changed', { detail: s }));
    return this.#set(s);
  }

  onChange(fn: (s: Settings) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #set(s: Settings): Settings {
    this.#value = s;
    for (const fn of this.#listeners) fn(s);
    return s;
  }
}
