/** Vocabulary of the public contract (CONTRACT.md "Vocabulary"). Shared by server and browser. */

/**
 * The highest id a user (or anything else Beacon numbers) may have: 32-bit ids. Here, with
 * no schema library, so the browser's elements check ids against it too.
 */
export const MAX_ID = 2_147_483_647;
/** Most users one `GET /users/status` reads: the status-read budget's whole burst (each other user costs one unit). */
export const MAX_STATUS_BATCH = 30;

/** What a viewer sees. `busy` is Do Not Disturb; a tournament is `in_game` + `in_tournament`. */
export const STATUSES = ['online', 'away', 'busy', 'in_game', 'offline'] as const;
export type Status = (typeof STATUSES)[number];

/** Statuses a user may set by hand. `online` returns to automatic mode. */
export const MANUAL_STATUSES = ['online', 'away', 'busy'] as const;
export type ManualStatus = (typeof MANUAL_STATUSES)[number];

export const ACTIVITIES = [
  'browsing',
  'playing_pong',
  'in_tournament',
  'watching_match',
  'managing_profile',
  'chatting',
  'idle',
] as const;
export type Activity = (typeof ACTIVITIES)[number];

/** Activities that mean "in a game": declaring one shows `in_game`. */
export const GAME_ACTIVITIES = ['playing_pong', 'in_tournament'] as const satisfies readonly Activity[];

/** Who may see a field. */
export const AUDIENCES = ['public', 'friends', 'close_friends', 'nobody'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Who may see the status itself; `hidden` appears offline to everyone but admins. */
export const STATUS_VISIBILITIES = ['public', 'friends', 'close_friends', 'hidden'] as const;
export type StatusVisibility = (typeof STATUS_VISIBILITIES)[number];

/** Category a user gives each of their friends (one-sided). An acquaintance sees what the public sees. */
export const FRIEND_CATEGORIES = ['close_friend', 'friend', 'acquaintance'] as const;
export type FriendCategory = (typeof FRIEND_CATEGORIES)[number];

export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * How long an invitation to a Pong match can be accepted. It reaches only the sockets open
 * when it is made, and nobody is told when it lapses unanswered: the inviter's app counts it.
 */
export const INVITE_TTL_MS = 10 * 60_000;

export const GAME_EVENTS = [
  'match_started',
  'match_updated',
  'match_ended',
  'tournament_started',
  'tournament_updated',
  'tournament_ended',
] as const;
export type GameEventType = (typeof GAME_EVENTS)[number];
