/**
 * Whether a status menu can be used, by the connection's state: the web app's header menu and
 * the drop-in <beacon-status-menu> both say, in the same words, why not. Only a connected or
 * polling client (REST answers: the status is read and can be set), or one catching up on missed
 * events over its open socket (PresenceClient.catchingUp), knows the user's status;
 * otherwise the last one read may no longer hold, and a change could not be sent.
 */
import type { ConnectionState, StopReason } from '../../client/presence-types.js';
import { CONNECTION_LABEL, connectionLabel } from './labels.js';

/** What a status menu needs of the SDK's client (PresenceClient's `state` and `stopReason`). */
export interface ConnectionFacts {
  readonly state: ConnectionState;
  readonly stopReason: StopReason | null;
  /**
   * `reconnecting` only to catch up on missed events, the socket open (PresenceClient.catchingUp):
   * the status can be set as while connected (a failure shows in the menu as any error).
   */
  readonly catchingUp?: boolean;
  /** Stopped because the page gave no token (PresenceClient.noToken): nothing was refused. */
  readonly noToken?: boolean;
}

/**
 * Why the status cannot be shown or changed now, in words, or null while connected or polling.
 * `null` client: no connection at all.
 */
export function statusUnavailable(client: ConnectionFacts | null): string | null {
  if (!client) return 'Status unavailable (not connected)';
  const { state, stopReason } = client;
  if (state === 'connected' || state === 'polling') return null;
  if (connectionLabel(client) === 'catching_up') return null;
  if (stopReason === 'unauthorized') return client.noToken === true ? 'Status unavailable (not signed in)' : 'Status unavailable (signed out of Beacon)';
  if (stopReason === 'stopped') return 'Status unavailable (not connected)';
  if (state === 'offline') return 'Status unavailable (offline)';
  return CONNECTION_LABEL[state];
}

/**
 * The words a phone's header draws for `statusUnavailable`'s reason, or null when the reason is
 * short enough to draw whole ("Reconnecting…"). The full reason stays the button's title and
 * what a screen reader hears.
 */
export function shortUnavailable(reason: string): string | null {
  return reason.startsWith('Status unavailable') ? 'Unavailable' : null;
}
