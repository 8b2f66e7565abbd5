/**
 * The one fan-out path: presence events → the sockets connected here. Each view is turned into
 * a frame body once per event and shared by every recipient; only viewers whose view
 * changed get anything.
 */
import type { View } from '../../protocol/index.js';
import type { PresenceService } from '../status/presence-service.js';
import type { PresenceEvent } from '../status/presence-events.js';
import type { ViewerTier } from '../presence/types.js';
import { TIER_INDEX, VIEWER_TIERS } from '../presence/privacy.js';
import type { Registry, Watchers } from './registry.js';
import type { Batcher } from './batcher.js';

/** Watcher sets up to this size whose watchers share one tier use UNIFORM[tier] as their tiers. */
const UNIFORM_MAX = 4096;
/** One read-only array per tier, every entry that tier (never written after this line). */
const UNIFORM = VIEWER_TIERS.map((_, t) => new Uint8Array(UNIFORM_MAX).fill(t));
const isUniform = (tiers: Uint8Array): boolean => UNIFORM[tiers[0]!] === tiers;
const SELF_BIT = 1 << TIER_INDEX.self;
/** Where #tiersOf computes a set's tiers before deciding whether they are uniform. */
let scratch = new Uint8Array(64);
/** Where #presence copies a watcher set before delivering; null while a delivery uses it. */
let spareIds: Int32Array | null = new Int32Array(64);

/** The idle probe, to every socket of the user (and by the gateway to one opened while it is unanswered). */
export const ARE_YOU_THERE = '{"type":"are_you_there"}';
/** The probe was answered (on any device): every socket of the user may close its "Still there?". */
const PROBE_ANSWERED = '{"type":"probe_answered"}';

export const friendStatusBody = (v: View): string =>
  JSON.stringify({
    type: 'friend_status_change',
    friend_id: v.user_id,
    status: v.status,
    activity: v.activity,
    custom_message: v.custom_message,
    // Only while the message is a calendar event's (absent otherwise, and so dropped here).
    busy_until: v.busy_until,
    busy_label: v.busy_label,
    // Only when the viewer may read the friend's usual hours (absent otherwise, and so dropped here).
    pattern_shared: v.pattern_shared,
    last_seen: v.last_seen,
    last_seen_approx: v.last_seen_approx ?? null,
    activity_details: v.activity_details ?? null,
    activity_since: v.activity_since ?? null,
    timestamp: v.timestamp,
  });

const statusUpdateBody = (v: View): string =>
  JSON.stringify({
    type: 'status_update',
    user_id: v.user_id,
    status: v.status,
    activity: v.activity,
    custom_message: v.custom_message,
    busy_until: v.busy_until,
    busy_label: v.busy_label,
    activity_details: v.activity_details ?? null,
    activity_since: v.activity_since ?? null,
    custom_message_expires_at: v.custom_message_expires_at ?? null,
    manual_status: v.manual_status,
    // Only while hidden (absent otherwise, and so dropped here): a frame without them says not hidden.
    hidden_last_seen: v.hidden_last_seen,
    visibility_before_hidden: v.visibility_before_hidden,
    timestamp: v.timestamp,
  });

/**
 * The frame with the user's names added (`username`, `display_name`): sent when the names
 * changed (a rename), so the receiver can replace the ones it keeps.
 */
const withNames = (body: string, v: View): string => `${body.slice(0, -1)},"username":${JSON.stringify(v.username)},"display_name":${JSON.stringify(v.display_name)}}`;

export class Fanout {
  constructor(
    private readonly registry: Registry,
    private readonly presence: PresenceService,
    private readonly batcher: Batcher,
    private readonly onRevoked: (userId: number, sessionId: string) => void,
  ) {}

  deliver(e: PresenceEvent): void {
    switch (e.kind) {
      case 'presence':
        return this.#presence(e.userId, e.views, e.named ?? 0);
      case 'friend_added':
        this.registry.watch(e.viewerId, e.subjectId);
        return this.#toUser(e.viewerId, JSON.stringify({ type: 'friend_added', friend: e.view }));
      case 'friend_removed':
        this.registry.unwatch(e.viewerId, e.subjectId);
        return this.#toUser(e.viewerId, JSON.stringify({ type: 'friend_removed', friend_id: e.subjectId }));
      case 'friend_updated':
        // The whole friend as listed now: under backpressure only the latest per friend matters.
        return this.#toUser(e.viewerId, JSON.stringify({ type: 'friend_updated', friend: e.friend }), `c${e.friend.user_id}`);
      case 'block_changed':
        // Under backpressure only the latest per blocked user matters.
        return this.#toUser(e.viewerId, JSON.stringify(e.user ? { type: 'block_changed', user_id: e.subjectId, blocked: true, user: e.user } : { type: 'block_changed', user_id: e.subjectId, blocked: false }), `b${e.subjectId}`);
      case 'view_changed':
        if (e.named) return this.#toUser(e.viewerId, withNames(friendStatusBody(e.view), e.view), `n${e.subjectId}`);
        return this.#toUser(e.viewerId, friendStatusBody(e.view), `f${e.subjectId}`);
      // Notices, each once: one sent again after a bus outage (`before`) only to the sockets opened before it was first published.
      case 'request_received':
        return this.#notice(e.viewerId, JSON.stringify({ type: 'friend_request_received', request: e.request }), e.before);
      case 'request_sent':
        return this.#notice(e.viewerId, JSON.stringify({ type: 'friend_request_sent', request: e.request }), e.before);
      case 'request_closed':
        return this.#notice(e.viewerId, JSON.stringify({ type: 'friend_request_closed', request_id: e.requestId, reason: e.reason }), e.before);
      case 'game_invite':
        return this.#toUser(e.viewerId, JSON.stringify({ type: 'game_invite', invite_id: e.inviteId, from_user_id: e.fromUserId }));
      case 'game_invite_accepted':
        return this.#toUser(e.viewerId, JSON.stringify({ type: 'game_invite_accepted', invite_id: e.inviteId, by_user_id: e.byUserId }));
      case 'game_invite_closed':
        return this.#toUser(e.viewerId, JSON.stringify({ type: 'game_invite_closed', invite_id: e.inviteId, reason: e.reason }));
      case 'notification':
        return this.#toUser(e.viewerId, JSON.stringify(e.payload));
      case 'settings':
        return this.#toUser(e.userId, JSON.stringify({ type: 'settings_update', settings: e.settings }), 'settings');
      case 'probe':
        return this.#toUser(e.userId, ARE_YOU_THERE);
      case 'probe_answered':
        return this.#toUser(e.userId, PROBE_ANSWERED);
      case 'revoked':
        return this.onRevoked(e.userId, e.sessionId);
    }
  }

  /**
   * `named`: bits of TIER_INDEX whose frames also carry the names (after a rename), under a
   * key of their own, so that under backpressure a later change (which keeps only the latest
   * per key) cannot drop the rename.
   */
  #presence(userId: number, views: Partial<Record<ViewerTier, View>>, named: number): void {
    const self = views.self;
    if (self) {
      if (named & SELF_BIT) this.#toUser(userId, withNames(statusUpdateBody(self), self), 'self-names');
      else this.#toUser(userId, statusUpdateBody(self), 'self');
    }
    const watchers = this.registry.watchersOf(userId);
    if (!watchers) return;
    const key = `f${userId}`;
    // The watchers as they are now, copied out of the registry's shared arena first: a delivery
    // that closed a socket (its handler unwatches) would otherwise change them under this loop
    // (a swap-remove moves the last watcher under another's tier; a freed block is soon
    // another subject's watchers). A nested delivery finds the spare taken and uses its own.
    const size = watchers.size;
    let ids = spareIds;
    if (ids === null || ids.length < size) ids = new Int32Array(Math.max(size, 64, ids === null ? 0 : ids.length * 2));
    spareIds = null;
    this.registry.copyWatchers(watchers, ids);
    const tiers = this.#tiersOf(userId, watchers, ids);
    // One body per tier, made the first time a watcher of that tier needs it.
    const bodies = new Array<string | null | undefined>(VIEWER_TIERS.length);
    for (let i = 0; i < size; i++) {
      const t = tiers[i]!;
      let body = bodies[t];
      if (body === undefined) {
        const v = views[VIEWER_TIERS[t]!];
        body = bodies[t] = v ? (named & (1 << t) ? withNames(friendStatusBody(v), v) : friendStatusBody(v)) : null;
      }
      if (body !== null) this.#toUser(ids[i]!, body, named & (1 << t) ? `n${userId}` : key);
    }
    spareIds = ids;
  }

  /**
   * Each watcher's tier towards the subject, as indices into VIEWER_TIERS. Computed by the
   * graph (the one source of tiers) and kept on the watcher set until the set or the graph
   * changes: a steady stream of changes then costs no graph lookup per recipient. A set whose
   * watchers all have one tier (most: plain friends) keeps a shared read-only array of that
   * tier instead of its own; only a set with mixed tiers holds an array of its own.
   * `ids`: the set's watchers, `ids[0 .. watchers.size)` (#presence's copy).
   */
  #tiersOf(subjectId: number, watchers: Watchers, ids: Int32Array): Uint8Array {
    const graph = this.presence.graph;
    const version = graph.version;
    if (watchers.tiers !== null && watchers.tiersAt === version) return watchers.tiers;
    const size = watchers.size;
    if (scratch.length < size) scratch = new Uint8Array(Math.max(size, scratch.length * 2));
    let mixed = false;
    for (let i = 0; i < size; i++) {
      scratch[i] = TIER_INDEX[graph.tier(ids[i]!, subjectId)];
      if (scratch[i] !== scratch[0]) mixed = true;
    }
    let tiers: Uint8Array;
    if (!mixed && size <= UNIFORM_MAX) tiers = UNIFORM[size === 0 ? 0 : scratch[0]!]!;
    else {
      const own = watchers.tiers;
      tiers = own !== null && !isUniform(own) && own.length >= size ? own : new Uint8Array(watchers.capacity);
      tiers.set(scratch.subarray(0, size));
    }
    watchers.tiers = tiers;
    watchers.tiersAt = version;
    return tiers;
  }

  /**
   * A notice for the user's sockets; `before` (injected clock): only those opened before it.
   * A socket opened at that moment or since had its `ready` after the news, and reads the
   * requests as they are: told again, it would show old news as new.
   */
  #notice(userId: number, body: string, before: number | undefined): void {
    if (before === undefined) return this.#toUser(userId, body);
    const conns = this.registry.connsOf(userId);
    if (!conns) return;
    for (const c of conns) if (c.openedAt < before) this.batcher.deliver(c, body);
  }

  #toUser(userId: number, body: string, key?: string): void {
    const conns = this.registry.connsOf(userId);
    if (!conns) return;
    for (const c of conns) this.batcher.deliver(c, body, key);
  }
}
