/**
 * The socket frames that are events for the host rather than presence (friend requests, game
 * invites, blocks, settings, notifications, `are_you_there`, errors): each checked and emitted as
 * its {@link PresenceEvents} event. Presence frames (`status_update`, `friend_status_change`,
 * `friend_added`, ...) are the model's (presence-model.ts), never emitted from here.
 */
import type { BlockedUser, EventFrame, Friend } from '../protocol/index.js';
import { FRIEND_CATEGORIES } from '../protocol/enums.js';
import type { Emitter } from './emitter.js';
import type { InteractionGate } from './idle.js';
import type { BlockChange, PresenceEvents } from './presence-types.js';

const CLOSE_REASONS: ReadonlySet<string> = new Set(['accepted', 'declined', 'cancelled']);
const INVITE_CLOSE_REASONS: ReadonlySet<string> = new Set(['accepted']);
const CATEGORIES: ReadonlySet<unknown> = new Set(FRIEND_CATEGORIES);

/**
 * Emits `frame` as its event when it is one (a malformed one is dropped) and returns true;
 * returns false for a presence frame, which the caller applies to the model. `gate` learns of
 * `are_you_there` and `probe_answered`.
 */
export function emitFrameEvent(frame: EventFrame, events: Emitter<PresenceEvents>, gate: Pick<InteractionGate, 'probe' | 'answered'>): boolean {
  if (frame.type === 'friend_request_received' || frame.type === 'friend_request_sent') {
    const { request } = frame as { request: unknown };
    if (typeof request === 'object' && request !== null && typeof (request as { id?: unknown }).id === 'number') {
      events.emit(frame.type, { request: frame.request });
    }
    return true;
  }
  if (frame.type === 'friend_request_closed') {
    const { request_id, reason } = frame;
    if (typeof request_id === 'number' && CLOSE_REASONS.has(reason)) {
      events.emit('friend_request_closed', { requestId: request_id, reason });
    }
    return true;
  }
  if (frame.type === 'game_invite' || frame.type === 'game_invite_accepted') {
    const id = frame.invite_id;
    const who = frame.type === 'game_invite' ? frame.from_user_id : frame.by_user_id;
    if (typeof id !== 'string' || typeof who !== 'number') return true;
    if (frame.type === 'game_invite') events.emit('game_invite', { inviteId: id, fromUserId: who });
    else events.emit('game_invite_accepted', { inviteId: id, byUserId: who });
    return true;
  }
  if (frame.type === 'game_invite_closed') {
    const { invite_id, reason } = frame;
    if (typeof invite_id === 'string' && INVITE_CLOSE_REASONS.has(reason)) events.emit('game_invite_closed', { inviteId: invite_id, reason });
    return true;
  }
  if (frame.type === 'friend_updated') {
    if (isFriend(frame.friend)) events.emit('friend_updated', { friend: frame.friend });
    return true;
  }
  if (frame.type === 'block_changed') {
    const change = blockChangeOf(frame);
    if (change) events.emit('block_changed', change);
    return true;
  }
  if (frame.type === 'settings_update') {
    if (typeof frame.settings === 'object' && frame.settings !== null) events.emit('settings', { settings: frame.settings });
    return true;
  }
  if (frame.type === 'notification') {
    if (typeof frame.friend_id === 'number' && typeof frame.display_name === 'string') events.emit('notification', { ...frame, type: 'notification' });
    return true;
  }
  if (frame.type === 'are_you_there') {
    gate.probe();
    events.emit('are_you_there', undefined);
  } else if (frame.type === 'probe_answered') {
    gate.answered();
    events.emit('probe_answered', undefined);
  } else if (frame.type === 'error') {
    events.emit('error', { code: String(frame.code), message: String(frame.message) });
  } else {
    return false;
  }
  return true;
}

/** A `friend` worth passing on: an id, and a category this SDK knows (a malformed frame is dropped). */
function isFriend(v: unknown): v is Friend {
  return typeof v === 'object' && v !== null && typeof (v as { user_id?: unknown }).user_id === 'number' && CATEGORIES.has((v as { category?: unknown }).category);
}

/** The event of a `block_changed` frame; undefined for a malformed one (a block without its user, or another user's). */
function blockChangeOf(frame: { user_id: unknown; blocked: unknown; user?: unknown }): BlockChange | undefined {
  const { user_id: userId, blocked, user } = frame;
  if (typeof userId !== 'number') return undefined;
  if (blocked === false) return { userId, blocked };
  if (blocked !== true || typeof user !== 'object' || user === null) return undefined;
  const u = user as Record<string, unknown>;
  if (u.user_id !== userId || typeof u.username !== 'string' || typeof u.display_name !== 'string' || typeof u.since !== 'string') return undefined;
  return { userId, blocked, user: user as BlockedUser };
}
