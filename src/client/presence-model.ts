/**
 * What the client knows: its own view and its friends'. Applies snapshots and event frames
 * and emits the matching events; knows nothing about sockets or polling.
 */
import type { EventFrame, View } from '../protocol/index.js';
import type { Emitter } from './emitter.js';
import { sameView } from '../protocol/views.js';
import { FriendsStore, type FriendChange } from './friends-store.js';
import type { PresenceEvents } from './presence-types.js';

export class PresenceModel {
  readonly store = new FriendsStore();
  readonly #events: Emitter<PresenceEvents>;
  #self: View | null = null;
  #hasSnapshot = false;

  constructor(events: Emitter<PresenceEvents>) {
    this.#events = events;
  }

  get self(): View | null {
    return this.#self;
  }

  /** Forgets everything (a new start may be a different user). */
  reset(): void {
    this.store.clear();
    this.#self = null;
    this.#hasSnapshot = false;
  }

  /**
   * Installs a full snapshot. The first one is announced as `ready`; later ones (reconnect,
   * poll, resync) as per-friend diffs so a UI only animates what really changed. A socket
   * `ready` is always re-announced in full, since the app may rebuild its view on it.
   */
  applySnapshot(friends: readonly View[], self: View | null, fromSocket: boolean): void {
    const diff = this.store.replace(friends);
    const first = !this.#hasSnapshot;
    if (!first) {
      for (const friendId of diff.removed) this.#events.emit('friend_removed', { friendId });
      for (const change of diff.changed) this.#events.emit('friend', change);
    }
    const selfChanged = self !== null && (this.#self === null || !sameView(this.#self, self));
    if (self) {
      this.#self = self;
      this.#hasSnapshot = true;
      if (first || fromSocket) this.#events.emit('ready', { self, friends: this.store.list() });
    }
    if (first || fromSocket || diff.changed.length > 0 || diff.removed.length > 0) {
      this.#events.emit('friends', this.store.list());
    }
    if (self && (selfChanged || fromSocket)) this.#events.emit('self', self);
  }

  /** Applies one presence event; other frame types are ignored here. */
  applyEvent(frame: EventFrame): void {
    switch (frame.type) {
      case 'friend_status_change':
        if (typeof frame.friend_id === 'number') this.#emitChange(this.store.applyChange(frame));
        break;
      case 'friend_added':
        if (isView(frame.friend)) this.#emitChange(this.store.upsert(frame.friend));
        break;
      case 'friend_removed':
        if (this.store.remove(frame.friend_id)) {
          this.#events.emit('friend_removed', { friendId: frame.friend_id });
          this.#events.emit('friends', this.store.list());
        }
        break;
      case 'status_update':
        // Sent to all our own sessions, e.g. a status set from another tab.
        if (this.#self && frame.user_id === this.#self.user_id) {
          const { status, activity, custom_message, timestamp } = frame;
          const activity_details = frame.activity_details ?? null;
          const activity_since = frame.activity_since ?? null;
          const custom_message_expires_at = frame.custom_message_expires_at ?? null;
          // A calendar event's end: a frame without it says the message is not one (any more).
          const busy_until = frame.busy_until ?? null;
          const busy_label = frame.busy_label ?? null;
          const username = frame.username ?? this.#self.username;
          const display_name = frame.display_name ?? this.#self.display_name;
          // A server that does not send it (older than the field) leaves what we had.
          const manual_status = frame.manual_status ?? this.#self.manual_status;
          // Present only while hidden: a frame without them says the user no longer is.
          const { hidden_last_seen: _was, visibility_before_hidden: _from, ...kept } = this.#self;
          const hidden = frame.hidden_last_seen !== undefined || frame.visibility_before_hidden !== undefined ? { hidden_last_seen: frame.hidden_last_seen ?? null, visibility_before_hidden: frame.visibility_before_hidden ?? null } : {};
          this.updateSelf({ ...kept, username, display_name, status, activity, custom_message, busy_until, busy_label, custom_message_expires_at, activity_details, activity_since, timestamp, ...(manual_status ? { manual_status } : {}), ...hidden });
        }
        break;
      default:
        break;
    }
  }

  /** Replaces the own view, emitting `self` when it differs. */
  updateSelf(view: View): void {
    if (this.#self && sameView(this.#self, view)) return;
    this.#self = view;
    this.#events.emit('self', view);
  }

  #emitChange(change: FriendChange | null): void {
    if (!change) return;
    this.#events.emit('friend', change);
    this.#events.emit('friends', this.store.list());
  }
}

function isView(v: unknown): v is View {
  return typeof v === 'object' && v !== null && typeof (v as { user_id?: unknown }).user_id === 'number';
}
