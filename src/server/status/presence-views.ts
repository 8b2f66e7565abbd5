/**
 * What viewers see of the users replicated here, and how changes leave: a loaded user as a
 * Subject, their view for a tier (`view()`, the one privacy function), a viewer's friends'
 * views and `ready` snapshot, and the frames handed to this instance's gateway when views
 * change — with a rename's names where owed, appearances for watch notifications, the day
 * roll-over of approximate last-seen, and the status history, which records what the user's
 * audience saw.
 */
import { sortViewsInPlace, type View } from '../../protocol/index.js';
import { AppError } from '../errors.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import type { PresenceEngine } from '../presence/presence-engine.js';
import { isoUtc } from '../presence/iso-time.js';
import { changedViews, historyStatus, subjectOf, view, type ChangedView } from '../presence/privacy.js';
import type { Subject, ViewerInfo, ViewerTier } from '../presence/types.js';
import type { FriendGraph } from './friend-graph.js';
import type { OwedNames } from './owed-names.js';
import type { PresenceEvent } from './presence-events.js';
import type { Profile } from './presence-repository.js';
import { FriendJsonCache, ReadySnapshot, type Part } from './ready-snapshot.js';

const DAY_MS = 86_400_000;

export interface ViewsDeps {
  engine: PresenceEngine;
  graph: FriendGraph;
  /** The profiles of the users replicated here (shared with Replicas, which loads them). */
  profiles: ReadonlyMap<number, Profile>;
  /** After a rename: which tiers' frames carry the names (owed-names.ts). */
  names: OwedNames;
  now: () => number;
  history: HistoryRecorder;
  /** Whether this instance writes the user's row and history (Replicas.isWriter). */
  isWriter(userId: number): boolean;
  /** This instance's gateway. */
  sink(e: PresenceEvent): void;
}

export class PresenceViews {
  /** Told when a user goes from offline to present for some tiers (watch notifications). */
  #appeared: ((userId: number, views: Partial<Record<ViewerTier, View>>) => void) | null = null;
  /** The UTC day of the last tick (approximate last-seen buckets change with it). */
  #day: number | null = null;
  readonly #friendJson = new FriendJsonCache();

  constructor(private readonly d: ViewsDeps) {}

  /** Where appearances go (PresenceService.onAppeared). */
  onAppeared(listener: (userId: number, views: Partial<Record<ViewerTier, View>>) => void): void {
    this.#appeared = listener;
  }

  /** The view of `userId` for a viewer of `tier`. The user must be loaded. */
  viewOf(userId: number, tier: ViewerTier): View {
    return view(this.subject(userId), tier, this.d.now());
  }

  /**
   * A viewer's friends' views, as `viewer` (a request's token: its own role, not its sockets') may
   * see them: of the friends replicated here, and of those not held here that `notHeld` gives.
   */
  friendViews(viewer: ViewerInfo, notHeld?: (userId: number) => Subject | undefined): View[] {
    const { engine, profiles } = this.d;
    const now = this.d.now();
    const out: View[] = [];
    this.d.graph.eachFriend(
      viewer.id,
      (id, tier) => {
        const p = profiles.get(id);
        const subject = p ? subjectOf(p, engine.get(id)) : notHeld?.(id);
        if (subject) out.push(view(subject, tier, now));
      },
      viewer,
    );
    return sortViewsInPlace(out);
  }

  /**
   * The viewer's own view and their friends' (JSON kept between connects: ready-snapshot.ts), the
   * tier as the graph holds the viewer (their sockets' role). A friend whose part is kept costs a
   * lookup of her profile and state, no Subject (made only for a part made again).
   */
  readySnapshot(viewerId: number): ReadySnapshot {
    const { engine, profiles } = this.d;
    const now = this.d.now();
    const parts: Part[] = [];
    this.d.graph.eachFriend(viewerId, (id, tier) => {
      const p = profiles.get(id);
      if (p) parts.push(this.#friendJson.part(p, engine.get(id), tier, now));
    });
    return new ReadySnapshot(this.viewOf(viewerId, 'self'), parts, isoUtc(now));
  }

  profile(userId: number): Profile {
    const p = this.d.profiles.get(userId);
    if (!p) throw new AppError('NOT_FOUND', 'No such user');
    return p;
  }

  subject(userId: number, presence = this.d.engine.get(userId)): Subject {
    return subjectOf(this.profile(userId), presence);
  }

  /**
   * Status history records what the user's status audience saw (historyStatus): hiding writes
   * `offline`, nothing is written while hidden, unhiding writes what shows then. So a pattern,
   * or the user's own history and export, never holds what the user did while hidden.
   */
  recordHistory(userId: number, before: Subject, after: Subject): void {
    if (!this.d.isWriter(userId)) return;
    const now = this.d.now();
    const shown = historyStatus(after, now);
    if (historyStatus(before, now) !== shown) this.d.history.record(userId, shown);
  }

  /**
   * Hands the gateway the views of the tiers that changed, each computed once. `beforeMs`
   * (default now) is when `before` was seen: the day roll-over compares one subject across
   * midnight. `origin`: this instance applied the input first. `renamed`: the user's names
   * changed: the frames carry them, to the tiers that see the user present (and the user);
   * the others get them with their next frame (OwedNames).
   */
  publishViews(userId: number, before: Subject, after: Subject, o: { beforeMs?: number; origin?: boolean; renamed?: boolean } = {}): void {
    const { changed, named } = this.d.names.select(userId, changedViews(before, after, this.d.now(), o.beforeMs), o.renamed === true);
    if (changed.length === 0) return;
    const views: Partial<Record<ViewerTier, View>> = {};
    for (const c of changed) views[c.tier] = c.after;
    this.d.sink(named !== 0 ? { kind: 'presence', userId, views, named } : { kind: 'presence', userId, views });
    if (o.origin && this.#appeared && after.presence.status !== 'offline') this.#reportAppeared(userId, changed);
  }

  /** The tiers that saw the user offline before and present now, with what they see now. */
  #reportAppeared(userId: number, changed: readonly ChangedView[]): void {
    const appeared: Partial<Record<ViewerTier, View>> = {};
    let any = false;
    for (const { tier, before, after } of changed) {
      if (after.status === 'offline' || before.status !== 'offline') continue;
      appeared[tier] = after;
      any = true;
    }
    if (any) this.#appeared?.(userId, appeared);
  }

  /**
   * Approximate last-seen buckets move only at midnight UTC (the one deadline they have):
   * then re-send the views of users shown approximately, where they changed. Every such user is
   * compared, not only the offline ones: a hidden user still online is offline to viewers, and
   * skipping them would tell a friend they are online (a logged-out user's bucket is pushed).
   * For a user shown present nothing changes, and nothing is sent.
   */
  rollOverDay(): void {
    const now = this.d.now();
    const day = Math.floor(now / DAY_MS);
    const previous = this.#day;
    this.#day = day;
    if (previous === null || day === previous) return;
    const lastMsOfYesterday = day * DAY_MS - 1;
    for (const [userId, profile] of this.d.profiles) {
      if ((profile.settings.last_seen_approximate_visibility ?? 'nobody') === 'nobody') continue;
      const subject = this.subject(userId);
      this.publishViews(userId, subject, subject, { beforeMs: lastMsOfYesterday });
    }
  }
}
