/**
 * Input in one tab of this browser counts for its other tabs while they are not connected. Each
 * tab reports only its own input, so a tab left untouched through an outage had nothing owed and
 * reconnected saying "nobody is here" (`?reconnect=1`): the person, busy in another tab (or one
 * closed since), showed friends `away` at once. A tab marks its input in localStorage (at most
 * every few seconds; the storage event reaches the other tabs of the origin, which share the
 * account's token), and a tab that is not connected takes the mark as input owed
 * (PresenceClient.notifyInteraction: sent once anything reaches Beacon again). A connected tab
 * ignores it: the tab with the input reports it itself.
 */
import { attachIdleDetection, type IdleTarget } from '../../client/idle.js';
import type { ConnectionState } from '../../client/presence-types.js';

export const SHARED_INPUT_KEY = 'beacon.input-at';
/** How often a tab writes its mark at most: an outage lasts far longer. */
export const MARK_EVERY_MS = 5_000;

export interface InputClient {
  readonly state: ConnectionState;
  notifyInteraction(): void;
}

export function shareInput(client: InputClient, doc: IdleTarget = document, storage: Storage = localStorage, win: Pick<Window, 'addEventListener' | 'removeEventListener'> = window, now: () => number = Date.now): () => void {
  let markedAt = Number.NEGATIVE_INFINITY;
  const detach = attachIdleDetection(doc, () => {
    const t = now();
    if (t - markedAt < MARK_EVERY_MS) return;
    markedAt = t;
    try {
      storage.setItem(SHARED_INPUT_KEY, String(t));
    } catch {
      // Storage refused (full, blocked): each tab still reports its own input.
    }
  });
  const heard = (e: StorageEvent): void => {
    if (e.key !== SHARED_INPUT_KEY || e.newValue === null) return;
    if (client.state !== 'connected') client.notifyInteraction();
  };
  win.addEventListener('storage', heard);
  return () => {
    detach();
    win.removeEventListener('storage', heard);
  };
}
