/** WebSocket frames of `/ws/status` (CONTRACT.md "Real time"). */
import { Type, type Static } from 'typebox';
import type { ActivityDetails, BlockedUser, Friend, FriendRequest, Settings, StatusT, View } from './schemas.js';
import type { LastSeenBucket } from './views.js';
import type { ManualStatus, Status } from './enums.js';
import { ActivityT, CustomMessage, ManualStatusT, Timestamp } from './schemas.js';

const strict = { additionalProperties: false } as const;

// Client → server
export const AuthFrame = Type.Object({ type: Type.Literal('auth'), token: Type.String({ maxLength: 4096 }) }, strict);
export const HeartbeatFrame = Type.Object({ type: Type.Literal('heartbeat') }, strict);
export const InteractionFrame = Type.Object({ type: Type.Literal('interaction') }, strict);
export const StillHereFrame = Type.Object({ type: Type.Literal('still_here') }, strict);
export const SetStatusFrame = Type.Object(
  {
    type: Type.Literal('set_status'),
    status: ManualStatusT,
    custom_message: Type.Optional(Type.Union([CustomMessage, Type.Null()])),
    expires_at: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  },
  strict,
);
export const ActivityFrame = Type.Object(
  {
    type: Type.Literal('activity'),
    activity: ActivityT,
    details: Type.Optional(Type.Object({}, { additionalProperties: true, maxProperties: 16 })),
  },
  strict,
);
export const ClientFrame = Type.Union([
  AuthFrame,
  HeartbeatFrame,
  InteractionFrame,
  StillHereFrame,
  SetStatusFrame,
  ActivityFrame,
]);
export type ClientFrame = Static<typeof ClientFrame>;

// Server → client
export interface ReadyFrame {
  type: 'ready';
  session_id: string;
  heartbeat_interval_ms: number;
  self: View;
  friends: View[];
}
export interface StatusUpdateFrame {
  type: 'status_update';
  seq?: number;
  user_id: number;
  status: Static<typeof StatusT>;
  activity: Static<typeof ActivityT> | null;
  custom_message: string | null;
  /** While the message is a calendar event's: when its busy stretch ends, and the message without that time; see the view's fields. */
  busy_until?: string | null;
  busy_label?: string | null;
  activity_details?: ActivityDetails | null;
  activity_since?: string | null;
  /** When the custom message clears itself, or null for never. */
  custom_message_expires_at?: string | null;
  /** The status the user chose (`online` = automatic mode); see the view's field. */
  manual_status?: ManualStatus;
  /** Only while the user appears offline: what others are shown meanwhile; see the view's fields. Absent: not hidden. */
  hidden_last_seen?: string | null;
  visibility_before_hidden?: 'public' | 'friends' | 'close_friends' | null;
  timestamp: string;
  /** Present only when the user's names changed (a rename). */
  username?: string;
  display_name?: string;
}
export interface FriendStatusChangeFrame {
  type: 'friend_status_change';
  seq?: number;
  friend_id: number;
  status: Static<typeof StatusT>;
  activity: Static<typeof ActivityT> | null;
  custom_message: string | null;
  /** While the message is a calendar event's: when its busy stretch ends, and the message without that time; see the view's fields. */
  busy_until?: string | null;
  busy_label?: string | null;
  /** Present (true) when you may read the friend's usual hours; a frame without it says you may not (any more). */
  pattern_shared?: boolean;
  last_seen: string | null;
  last_seen_approx?: LastSeenBucket | null;
  activity_details?: ActivityDetails | null;
  activity_since?: string | null;
  timestamp: string;
  /** Present only when the friend's names changed (a rename): they replace the ones kept. */
  username?: string;
  display_name?: string;
}
export interface FriendAddedFrame {
  type: 'friend_added';
  seq?: number;
  friend: View;
}
export interface FriendRemovedFrame {
  type: 'friend_removed';
  seq?: number;
  friend_id: number;
}
/**
 * You changed the category you give a friend (on any of your devices): `friend` as
 * `GET /users/me/friends` now lists them (not a view), sent to every socket of yours.
 */
export interface FriendUpdatedFrame {
  type: 'friend_updated';
  seq?: number;
  friend: Friend;
}
export interface FriendRequestReceivedFrame {
  type: 'friend_request_received';
  seq?: number;
  request: FriendRequest;
}
/**
 * You sent a friend request, on this device or another (any instance): every socket of yours
 * gets it, so each screen lists it among the outgoing requests. Additive to CONTRACT.md.
 */
export interface FriendRequestSentFrame {
  type: 'friend_request_sent';
  seq?: number;
  request: FriendRequest;
}
/** Why a friend request stopped being pending. */
export type FriendRequestCloseReason = 'accepted' | 'declined' | 'cancelled';
export interface FriendRequestClosedFrame {
  type: 'friend_request_closed';
  seq?: number;
  request_id: number;
  reason: FriendRequestCloseReason;
}
/** A friend invites you to a Pong match (`invite_id` identifies it when you accept). */
export interface GameInviteFrame {
  type: 'game_invite';
  seq?: number;
  invite_id: string;
  from_user_id: number;
}
/** The friend you invited accepted: both start the match. */
export interface GameInviteAcceptedFrame {
  type: 'game_invite_accepted';
  seq?: number;
  invite_id: string;
  by_user_id: number;
}
/** Why an invitation made to you stopped being open (only `accepted` so far; more may come). */
export type GameInviteCloseReason = 'accepted';
/**
 * An invitation made to you is no longer open: you accepted it (on this device or another, any
 * instance). Sent to every socket of yours, the accepting one too; nobody else gets it. A
 * screen that still offers it stops. Additive to CONTRACT.md: clients that do not know it ignore it.
 */
export interface GameInviteClosedFrame {
  type: 'game_invite_closed';
  seq?: number;
  invite_id: string;
  reason: GameInviteCloseReason;
}
/** A watched friend came online (see NotificationPayload); shown in the page when a tab is open. */
export interface NotificationFrame {
  type: 'notification';
  seq?: number;
  kind: 'friend_online';
  friend_id: number;
  username: string;
  display_name: string;
  status: Status;
  at: string;
}
/**
 * Your privacy settings changed (on any of your devices, or by REST): the settings now in
 * force, sent to every socket of yours, so each screen shows what your friends really see.
 */
export interface SettingsUpdateFrame {
  type: 'settings_update';
  seq?: number;
  settings: Settings;
}
/**
 * You blocked (`blocked: true`) or unblocked someone, on any of your devices: sent to every
 * socket of yours (any instance), so each screen shows your blocks as they are. `user`: only
 * with a block, the blocked user as `GET /users/me/blocks` lists them (also when the block was
 * already there: the frame states the block held). The person blocked or unblocked never gets
 * it. Not in CONTRACT.md (blocks are not): additive, clients that do not know it ignore it.
 */
export interface BlockChangedFrame {
  type: 'block_changed';
  seq?: number;
  user_id: number;
  blocked: boolean;
  user?: BlockedUser;
}
export interface AreYouThereFrame {
  type: 'are_you_there';
  seq?: number;
}
/**
 * The idle probe was answered: you did something (`still_here`, any interaction, a status or
 * activity set) on one of your devices or tabs. Sent to every socket of yours, so a "Still
 * there?" left open on another device can close.
 */
export interface ProbeAnsweredFrame {
  type: 'probe_answered';
  seq?: number;
}
export interface HeartbeatAckFrame {
  type: 'heartbeat_ack';
  seq?: number;
}
export interface ErrorFrame {
  type: 'error';
  seq?: number;
  code: string;
  message: string;
}
export type EventFrame =
  | StatusUpdateFrame
  | FriendStatusChangeFrame
  | FriendAddedFrame
  | FriendRemovedFrame
  | FriendUpdatedFrame
  | FriendRequestReceivedFrame
  | FriendRequestSentFrame
  | FriendRequestClosedFrame
  | GameInviteFrame
  | GameInviteAcceptedFrame
  | GameInviteClosedFrame
  | NotificationFrame
  | SettingsUpdateFrame
  | BlockChangedFrame
  | AreYouThereFrame
  | ProbeAnsweredFrame
  | HeartbeatAckFrame
  | ErrorFrame;
export interface BatchFrame {
  type: 'batch';
  messages: EventFrame[];
}
export type ServerFrame = ReadyFrame | EventFrame | BatchFrame;
