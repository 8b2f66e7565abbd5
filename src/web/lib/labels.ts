/**
 * Human words for the wire vocabulary. One table per enum so every screen (friend
 * list, header, privacy preview) says the same thing for the same state.
 */
import type { Activity, Audience, ConnectionLabel, ConnectionStateLabel, FriendCategory, Status, StatusVisibility } from './label-types.js';

/**
 * What to call the client's connection (PresenceClient's `state` and `catchingUp`): `catching_up`
 * while it says `reconnecting` only to read again what a `seq` gap lost, its socket open (the
 * user online for the server and for friends), else its state. Read it again at each `state` event.
 */
export function connectionLabel(client: { readonly state: ConnectionStateLabel; readonly catchingUp?: boolean }): ConnectionLabel {
  return client.state === 'reconnecting' && client.catchingUp === true ? 'catching_up' : client.state;
}

export const STATUS_LABEL: Record<Status, string> = {
  online: 'Online',
  away: 'Away',
  busy: 'Busy — Do Not Disturb',
  in_game: 'In game',
  offline: 'Offline',
};

/**
 * What a connection state means for the user, said to screen readers after its label by the
 * header's connection state, the one live region about the connection: the friend list's
 * stale mark and your own card's note say it too, on screen, but are not announced (three
 * regions said nearly the same at the same moment).
 */
export const CONNECTION_MEANS: Record<ConnectionLabel, string> = {
  connecting: '',
  connected: '',
  reconnecting: 'Statuses shown may be out of date. Friends may already see you as offline.',
  // The socket is open: the server counts the user online; only what is shown may lag.
  catching_up: 'Some updates were missed; statuses shown may be out of date until they are read again.',
  polling: 'Live updates are paused; statuses are checked every few seconds.',
  offline: 'Beacon is unreachable. Statuses shown may be out of date. Friends may already see you as offline.',
};

/** Short form for tight spots (badges, dots' tooltips). */
export const STATUS_SHORT: Record<Status, string> = {
  online: 'Online',
  away: 'Away',
  busy: 'Busy',
  in_game: 'In game',
  offline: 'Offline',
};

export const ACTIVITY_LABEL: Record<Activity, string> = {
  browsing: 'Browsing',
  playing_pong: 'Playing Pong',
  in_tournament: 'In Tournament',
  watching_match: 'Watching a match',
  managing_profile: 'Managing profile',
  chatting: 'Chatting',
  idle: 'Idle',
};

export const AUDIENCE_LABEL: Record<Audience, string> = {
  public: 'Everyone',
  friends: 'Friends',
  close_friends: 'Close friends only',
  nobody: 'Nobody',
};

export const STATUS_VISIBILITY_LABEL: Record<StatusVisibility, string> = {
  public: 'Everyone',
  friends: 'Friends',
  close_friends: 'Close friends only',
  hidden: 'Nobody (appear offline)',
};

export const CATEGORY_LABEL: Record<FriendCategory, string> = {
  close_friend: 'Close friend',
  friend: 'Friend',
  acquaintance: 'Acquaintance',
};

/** The one place the connection is named: live, polling, reconnecting, catching up, offline. */
export const CONNECTION_LABEL: Record<ConnectionLabel, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
  catching_up: 'Catching up…',
  polling: 'Polling',
  offline: 'Offline',
};

/**
 * A person named where the viewer is asked to trust or act (an invitation, a toast, an
 * announcement): display names are not unique, so the @username, which is, goes with it.
 * Unless it is the display name itself (host modes name users once: username = display
 * name): "Bob B. (@Bob B.)" would say the name twice and tell no one apart.
 */
export function nameWithUsername(p: { display_name: string; username: string }): string {
  return p.username === p.display_name ? p.display_name : `${p.display_name} (@${p.username})`;
}

/**
 * The one-line summary under a friend's name: activity when visible, else the status.
 * Offline friends get no activity even if a stale one leaks through.
 */
export function describeActivity(status: Status, activity: Activity | null): string {
  if (status === 'offline') return STATUS_SHORT.offline;
  if (activity) return ACTIVITY_LABEL[activity];
  return STATUS_SHORT[status];
}
