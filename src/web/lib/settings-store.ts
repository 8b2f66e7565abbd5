/**
 * The signed-in user's privacy settings, shared by the header (to show "Invisible" and the
 * audience), the status menu and the Privacy page, so a change in one shows in all, and in
 * the user's other tabs of this browser (no frame tells a tab about its own settings).
 */
import type { PresenceClient } from '../../client/presence-client.js';
import type { Settings } from './label-types.js';

export class SettingsStore {
  #value: Settings | null = null;
  readonly #client: Pick<PresenceClient, 'getSettings' | 'updateSettings'>;
  readonly #listeners = new Set<(s: Settings) => void>();

  constructor(client: Pick<PresenceClient, 'getSettings' | 'updateSettings'>) {
    this.#client = client;
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
      if (e.detail !== received) channel?.postMessage(e.detail);
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
    const s = await this.#client.updateSettings(patch);
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
