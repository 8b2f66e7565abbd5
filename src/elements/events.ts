/**
 * Events the elements dispatch. All bubble and are `composed`, so they cross shadow roots
 * and reach `document`; the page decides what happens (navigate, open a dialog...).
 */

/** A friend row was activated (click, Enter or Space). */
export interface FriendSelectDetail {
  userId: number;
  username: string;
}

/**
 * The user set their own status or message from the menu; `status` is the manual status, and
 * `customMessage` the message sent, or the one left in place when only the status was chosen.
 */
export interface StatusSetDetail {
  status: 'online' | 'away' | 'busy';
  customMessage: string | null;
}

export const FRIEND_SELECT = 'beacon-friend-select';
export const FIND_FRIENDS = 'beacon-find-friends';
export const STATUS_SET = 'beacon-status-set';
export const UNAUTHORIZED = 'beacon-unauthorized';

/** Dispatches a bubbling, composed, cancelable CustomEvent from `target`. */
export function emit<T>(target: EventTarget, type: string, detail: T): boolean {
  return target.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true, cancelable: true }));
}

declare global {
  // The events bubble and are composed: heard on the element, any ancestor element, and `document`.
  interface HTMLElementEventMap {
    'beacon-friend-select': CustomEvent<FriendSelectDetail>;
    'beacon-find-friends': CustomEvent<null>;
    'beacon-status-set': CustomEvent<StatusSetDetail>;
  }
  interface DocumentEventMap {
    'beacon-friend-select': CustomEvent<FriendSelectDetail>;
    'beacon-find-friends': CustomEvent<null>;
    'beacon-status-set': CustomEvent<StatusSetDetail>;
    /** The connection's token was refused (4401) or revoked (4000); dispatched on `document`. */
    'beacon-unauthorized': CustomEvent<{ closeCode: number }>;
  }
}
