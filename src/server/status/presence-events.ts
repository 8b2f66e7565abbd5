/**
 * Two kinds of messages:
 * - BusEvent travels between instances on the EventBus, on the topic of the user it is
 *   about (`user:<id>`). Presence travels as INPUTS (a session opened, a status was set):
 *   every instance that watches the user applies them to its replica of the pure core, so
 *   all replicas agree. Graph changes and logouts travel as facts.
 * - PresenceEvent goes from the presence service to this instance's gateway: views already
 *   passed through the privacy projection, one per viewer tier that changed.
 */
import type { Activity, ActivityDetails, BlockedUser, Friend, FriendCategory, FriendRequest, FriendRequestCloseReason, GameInviteCloseReason, ManualStatus, NotificationPayload, Settings, View } from '../../protocol/index.js';
import type { GameKind } from '../presence/presence-rules.js';
import type { CalendarBusy, Schedule } from '../presence/schedule.js';
import type { SessionKind, ShownStatusVisibility, ViewerTier } from '../presence/types.js';
import type { Version } from '../ports/presence-store.js';

export const userTopic = (userId: number): string => `user:${userId}`;

export type PresenceInput =
  /** `reconnect`: an automatic reconnect, which is no interaction (absent from older instances: one). */
  | { op: 'open'; sessionId: string; kind: SessionKind; reconnect?: boolean }
  /**
   * `at`: when the session ended, on the instance that saw it (absent from older instances: when
   * applied). Every replica dates the user's leave (last_seen, the grace) alike, however late the
   * close reaches it.
   */
  | { op: 'close'; sessionId: string; immediate: boolean; at?: number }
  | { op: 'touch'; sessionId: string }
  /**
   * A login logged out: ends its sessions still held and an offline grace one of them began
   * (`sessionSuffix`: what its session ids end in). `at`: when it logged out, on the instance
   * that answered it: every replica that still holds one of its sessions ends it then (a close
   * of it heard later, dated earlier, dates the leave: PresenceEngine.closeSession).
   */
  | { op: 'logout'; sessionSuffix: string; at?: number }
  | { op: 'interaction' }
  | { op: 'status'; status: ManualStatus; custom: { message: string | null; expiresAt: number | null } | null }
  /**
   * `holders`: the sessions that declared it (a client game lasts while one of them is live:
   * PresenceEngine.setActivity); absent (older instances) or null: no session in particular.
   */
  | { op: 'activity'; activity: Activity; details?: ActivityDetails | null; holders?: string[] | null }
  /** A game server's event: started (`started`), news of a game in progress (`updated`), or ended. */
  | { op: 'game'; matchId: string; kind: GameKind; started: boolean; updated?: boolean; details?: ActivityDetails | null }
  /**
   * Only the custom message of a status input (with its interaction): what is left of a status
   * input that reached a replica after a newer one set the status (field-versions.ts). Made
   * where it is applied, never sent.
   */
  | { op: 'message'; custom: { message: string | null; expiresAt: number | null } }
  /**
   * New busy intervals from the user's calendar feed. `version`: the calendar's version in the
   * database (users.calendar_version), applied only if newer; absent from older instances.
   */
  | { op: 'calendar'; busy: CalendarBusy[]; version?: number }
  /** A new status schedule (null: none). `version`: users.schedule_version, as for `calendar`. */
  | { op: 'schedule'; schedule: Schedule | null; version?: number }
  /** New settings; `hiddenLastSeen` is the last_seen shown while hidden (fixed when the user hid). */
  /**
   * `visibilityBeforeHidden`: while hidden, the status audience the user had when they hid, the
   * only viewers who may see that last_seen (Subject.visibilityBeforeHidden). Absent from older
   * instances: not known, so nobody sees it until a newer save or a reload.
   */
  /** `version`: the settings' version in the database (users.settings_version); absent from older instances. */
  /** `at`: when the origin applied them (set there): every instance dates an unhiding alike. */
  | { op: 'settings'; settings: Settings; hiddenLastSeen: number | null; visibilityBeforeHidden?: ShownStatusVisibility | null; version?: number; at?: number };

/** The input a game's `_ended` naming one player makes: what a sign-out sends for each game the player leaves. */
export const gameEnded = (matchId: string, kind: GameKind): PresenceInput => ({ op: 'game', matchId, kind, started: false });

/** News for the viewer's sockets, the same over the bus and from the presence service to the gateway. */
/**
 * News for one viewer's sockets, the same on the bus and here; `Dated` is how the three request
 * frames say when they were first published, if sent again after a bus outage (outage-catch-up.ts):
 * on the bus `ageMs`, how long ago on the publisher's clock alone (absent on a first publish, and
 * from older instances); here `before`, that moment on this instance's clock, and only the sockets
 * opened here before it get the frame (one opened since had its `ready` after it, and read the
 * requests as they were then).
 */
type ViewerNews<Dated extends object> =
  /** A friend request reached the viewer, or stopped being pending (sent to both sides). */
  | ({ kind: 'request_received'; viewerId: number; request: FriendRequest } & Dated)
  /** The viewer sent a friend request (from any device, any instance): for all of the viewer's sockets (the sender's other devices list it as outgoing). */
  | ({ kind: 'request_sent'; viewerId: number; request: FriendRequest } & Dated)
  | ({ kind: 'request_closed'; viewerId: number; requestId: number; reason: FriendRequestCloseReason } & Dated)
  /** A friend invited the viewer to a match, or accepted the viewer's invitation. */
  | { kind: 'game_invite'; viewerId: number; inviteId: string; fromUserId: number }
  | { kind: 'game_invite_accepted'; viewerId: number; inviteId: string; byUserId: number }
  /** An invitation made to the viewer is no longer open (the viewer accepted it, on any device): for the viewer's own sockets. */
  | { kind: 'game_invite_closed'; viewerId: number; inviteId: string; reason: GameInviteCloseReason }
  /** A watched friend came online, as the viewer may see them (one instance decided and sent it). */
  | { kind: 'notification'; viewerId: number; payload: NotificationPayload };

export type BusEvent =
  /** `version`: the user-level version the input produced at its origin (see PresenceStore). */
  | { kind: 'input'; userId: number; input: PresenceInput; version?: Version }
  | { kind: 'friend_added'; viewerId: number; subjectId: number; category: FriendCategory }
  | { kind: 'friend_removed'; viewerId: number; subjectId: number }
  /** The subject changed the category it gives the viewer. */
  | { kind: 'category_changed'; viewerId: number; subjectId: number; category: FriendCategory }
  /**
   * The viewer changed the category it gives a friend: `friend` as the viewer now lists them, for the viewer's own sockets.
   * `repeat`: sent again after a bus outage, read before it was sent: each instance reads the pair again (repeated-states.ts; older ones hand it over as it is).
   */
  | { kind: 'friend_updated'; viewerId: number; friend: Friend; repeat?: true }
  /** The viewer blocked the subject (`user`: as the viewer's list of blocks shows them) or unblocked them (null): for the viewer's own sockets. `repeat`: as for `friend_updated`. */
  | { kind: 'block_changed'; viewerId: number; subjectId: number; user: BlockedUser | null; repeat?: true }
  | { kind: 'revoked'; userId: number; sessionId: string }
  | ViewerNews<{ ageMs?: number }>
  /** After an outage the sender re-saved this user to the shared store: reload the replica from it. */
  | { kind: 'reload'; userId: number }
  /** The account was deleted (sent after its revocations): forget what is held of the user (older instances ignore it). */
  | { kind: 'deleted'; userId: number }
  /** The user's name changed where names come from (a host's profiles or shadow row): re-read it. */
  | { kind: 'renamed'; userId: number }
  /**
   * The viewer's friend list changed while the sender's bus was down (its graph events were
   * lost): instances holding the viewer's list re-read it from the database (older ones ignore it).
   */
  | { kind: 'friends_changed'; viewerId: number };

const BUS_KINDS = new Set([
  'input',
  'friend_added',
  'friend_removed',
  'category_changed',
  'friend_updated',
  'block_changed',
  'revoked',
  'reload',
  'renamed',
  'deleted',
  'friends_changed',
  'request_received',
  'request_sent',
  'request_closed',
  'game_invite',
  'game_invite_accepted',
  'game_invite_closed',
  'notification',
]);

/** Narrows a bus message (messages may cross versions during a rolling deploy). */
export function isBusEvent(m: { kind: string }): m is BusEvent {
  return BUS_KINDS.has(m.kind);
}

export type PresenceEvent =
  /** The user's views changed for these tiers (only those). `self` goes to their own sockets. `named`: bits of TIER_INDEX whose frames carry the user's names (after a rename). */
  | { kind: 'presence'; userId: number; views: Partial<Record<ViewerTier, View>>; named?: number }
  /** `viewerId` and `subjectId` became friends; the viewer now sees the subject as `view`. */
  | { kind: 'friend_added'; viewerId: number; subjectId: number; view: View }
  | { kind: 'friend_removed'; viewerId: number; subjectId: number }
  /** The viewer changed the category it gives `friend` (on any device, any instance): tell the viewer's sockets here. */
  | { kind: 'friend_updated'; viewerId: number; friend: Friend }
  /** The viewer blocked or unblocked the subject (on any device, any instance): tell the viewer's sockets here. */
  | { kind: 'block_changed'; viewerId: number; subjectId: number; user: BlockedUser | null }
  /** What the viewer sees of the subject changed because of a category change. */
  /** `named`: the frame carries the subject's names (a rename is still owed to some tier, and the viewer may have moved between tiers). */
  | { kind: 'view_changed'; viewerId: number; subjectId: number; view: View; named?: boolean }
  | ViewerNews<{ before?: number }>
  /** The user's settings changed: tell the user's own sockets here. */
  | { kind: 'settings'; userId: number; settings: Settings }
  /** Ask every socket of the user here `are_you_there`. */
  | { kind: 'probe'; userId: number }
  /** The user answered the probe (on any device, any instance): tell every socket of theirs here. */
  | { kind: 'probe_answered'; userId: number }
  /** A login session was revoked (logout): close its sockets with 4000. */
  | { kind: 'revoked'; userId: number; sessionId: string };
