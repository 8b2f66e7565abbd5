/**
 * The signed-in user's privacy settings, shared by the header (to show "Invisible" and the
 * audience), the status menu and the Privacy page, so a change in one shows in all.
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

  /** Follows `beacon:settings-changed` events (their detail is the saved settings) until the returned function runs. */
  follow(target: Pick<Document, 'addEventListener' | 'removeEventListener'> = document): () => void {
    const fn = (e: CustomEvent<Settings | null>): void => {
      if (e.detail) this.#set(e.detail);
    };
    target.addEventListener('beacon:settings-changed', fn);
    return () => target.removeEventListener('beacon:settings-changed', fn);
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
