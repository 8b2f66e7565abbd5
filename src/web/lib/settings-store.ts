/**
 * The signed-in user's privacy settings, shared by the header (to show "Invisible" and the
 * audience), the status menu and the Privacy page, so a change in one shows in all: in the
 * user's other tabs of this browser (a BroadcastChannel), and on the user's other devices
 * (the server's `settings_update` frame, and a re-read whenever the client reads the views
 * again without the socket's frames: every reconnect, every poll while polling, the refetch
 * after lost events; a push cannot have reached it then).
 *
 * Ordering. A REST answer carries no version, so answers are ordered by when their request
 * was sent: one shows only if no newer news was shown meanwhile, the answer to a request sent
 * later, or a push. The pushes come in the server's order on the socket, and every save makes
 * one: a save whose answer comes after a push is left to the pushes (its own is that one or
 * still on its way), so two quick saves whose answers cross never leave the older one on
 * screen. A tab whose socket is connected takes only its own pushes, not another tab's
 * answer, which could arrive after a newer push.
 *
 * Whose. A store is one account's: what it tells (`beacon:settings-changed`) says which account
 * the settings are, and it takes only news of its own account. A save of the account signed in
 * before, whose answer comes after another signed in on the page, is not the new one's.
 */
import type { PresenceClient } from '../../client/presence-client.js';
import type { Settings } from './label-types.js';
import { readAgainAtSyncs } from './read-again.js';

type Client = Pick<PresenceClient, 'getSettings' | 'updateSettings' | 'unhide' | 'on' | 'state'>;

/** `beacon:settings-changed`: the settings of `account` (null: no account said) were saved or heard of. */
export type SettingsChangedEvent = CustomEvent<Settings | null> & { readonly account?: number | null };

/** The `beacon:settings-changed` that tells `settings` as account `account`'s. */
export function settingsChanged(settings: Settings, account: number | null): SettingsChangedEvent {
  return Object.assign(new CustomEvent('beacon:settings-changed', { detail: settings }), { account });
}

export class SettingsStore {
  #value: Settings | null = null;
  readonly #client: Client;
  readonly #listeners = new Set<(s: Settings) => void>();
  /** Requests sent (reads and saves), numbered in the order they were sent. */
  #sent = 0;
  /** The newest request whose answer was shown; at a push, every request sent so far (their answers are no newer). */
  #shown = 0;
  /** Saves sent and not answered yet (live() re-reads none meanwhile). */
  #saving = 0;
  /** Settings the server pushed to this tab: every tab gets its own push, so these are not passed to the others. */
  readonly #pushed = new WeakSet<Settings>();
  /** The account whose settings these are (its client's): see "Whose" above. */
  readonly #account: number | null;

  constructor(client: Client, account: number | null = null) {
    this.#client = client;
    this.#account = account;
  }

  /**
   * Follows the server's news of the user's settings until the returned function runs: each
   * `settings_update` (a change on another device), and a re-read at every `synced` but the
   * first (`load()` reads then; read-again.ts): a reconnect's `ready`, each answered poll while polling (no
   * socket brings pushes then: "Appear offline" chosen on a phone never showed here) and the
   * refetch after lost events (the lost one may have been a `settings_update`). None while a
   * save is on its way: a read answered before the server applied it would show the settings
   * from before it. Announced as `beacon:settings-changed` on `target`, like a save made here.
   */
  live(target: Pick<Document, 'dispatchEvent'> = document): () => void {
    const announce = (s: Settings): void => void target.dispatchEvent(settingsChanged(s, this.#account));
    const offs = [
      this.#client.on('settings', ({ settings }) => {
        this.#shown = this.#sent;
        this.#pushed.add(settings);
        announce(settings);
      }),
      readAgainAtSyncs(this.#client, () => {
        this.#ask(() => this.#client.getSettings()).then(
          ({ settings, newest }) => {
            // Unchanged (most polls): nothing to tell, nor to draw again every few seconds.
            if (!newest || sameSettings(settings, this.#value)) return;
            this.#pushed.add(settings); // every tab re-reads on its own
            announce(settings);
          },
          () => undefined, // the next sync or push tries again
        );
      }, { skipFirst: true, busy: () => this.#saving > 0 }),
    ];
    return () => offs.forEach((off) => off());
  }

  /**
   * Follows the `beacon:settings-changed` events of this store's account (their detail is the
   * saved settings) until the returned function runs; another account's are not its news. With
   * an account, also passes them to and from that account's other tabs (a BroadcastChannel per
   * user), where they arrive as the same event.
   */
  follow(target: Pick<Document, 'addEventListener' | 'removeEventListener' | 'dispatchEvent'> = document): () => void {
    const channel = this.#account !== null && typeof BroadcastChannel === 'function' ? new BroadcastChannel(`beacon.settings.${this.#account}`) : null;
    /** The settings just received from another tab: not sent back. */
    let received: Settings | null = null;
    const fn = (e: SettingsChangedEvent): void => {
      if (!e.detail || (e.account ?? null) !== this.#account) return;
      this.#set(e.detail);
      if (e.detail !== received && !this.#pushed.has(e.detail)) channel?.postMessage(e.detail);
    };
    if (channel) {
      channel.onmessage = (m: MessageEvent<Settings>) => {
        // Connected, this tab has (or will have) the server's push of that change, in order.
        if (this.#client.state === 'connected') return;
        received = m.data;
        target.dispatchEvent(settingsChanged(m.data, this.#account));
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

  /** Reads the settings; resolves to the settings now known (newer news may have overtaken the read). */
  async load(): Promise<Settings> {
    const { settings, newest } = await this.#ask(() => this.#client.getSettings());
    return newest ? this.#set(settings) : (this.#value ?? settings);
  }

  /**
   * Saves, then tells every screen (header, menu, Privacy page) through `beacon:settings-changed`.
   * Resolves to the settings now known: the answer, or newer news that overtook it.
   */
  async update(patch: Partial<Settings>): Promise<Settings> {
    return this.#saved(await this.#asSave(() => this.#client.updateSettings(patch)));
  }

  /**
   * Stops appearing offline: the server restores the audience in force when the user hid,
   * whichever device hid (a device's own memory of it may be older and wider). Told like a save.
   */
  async unhide(): Promise<Settings> {
    return this.#saved(await this.#asSave(() => this.#client.unhide()));
  }

  /** {@link #ask} for a save, counted in {@link #saving} until answered. */
  async #asSave(request: () => Promise<Settings>): Promise<{ settings: Settings; newest: boolean }> {
    this.#saving++;
    try {
      return await this.#ask(request);
    } finally {
      this.#saving--;
    }
  }

  /** The answer of `request`, and whether it is the newest news (see the ordering above): only then is it shown. */
  async #ask(request: () => Promise<Settings>): Promise<{ settings: Settings; newest: boolean }> {
    const n = ++this.#sent;
    const settings = await request();
    if (n <= this.#shown) return { settings, newest: false };
    this.#shown = n;
    return { settings, newest: true };
  }

  #saved({ settings, newest }: { settings: Settings; newest: boolean }): Settings {
    if (!newest) return this.#value ?? settings;
    document.dispatchEvent(settingsChanged(settings, this.#account));
    return this.#set(settings);
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

/** The same settings, field by field. */
function sameSettings(a: Settings, b: Settings | null): boolean {
  if (b === null) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as Array<keyof Settings>);
  return [...keys].every((k) => a[k] === b[k]);
}

declare global {
  interface DocumentEventMap {
    /** Privacy settings were saved or heard of (detail: the settings; `account`: whose), e.g. "Appear offline". */
    'beacon:settings-changed': SettingsChangedEvent;
  }
}
