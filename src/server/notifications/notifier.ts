/**
 * "Tell me when X comes online": turns a friend's appearance, as each watcher may see it,
 * into a `notification` frame for the watcher's open tabs and a Web Push for their browsers.
 *
 * Rules, in order: the watcher is still a friend; the watcher's tier is among the tiers for
 * which the presence service saw the friend go from offline to present (computed by the one
 * privacy `view()`, never here); the watcher is not busy and not inside quiet hours; and the
 * (watcher, friend) pair was not notified within the watcher's period — claimed with one
 * conditional UPDATE, so of several instances seeing the same change only one sends.
 * Everything runs after the presence path has moved on; errors are logged, never thrown.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { NotificationPayload, View } from '../../protocol/index.js';
import { tierOf } from '../presence/privacy.js';
import type { ViewerTier } from '../presence/types.js';
import type { SocialGraph } from '../ports/social-graph.js';
import type { NotificationRepository } from './notification-repository.js';
import type { PushSender } from './push-sender.js';

export interface NotifierDeps {
  repo: NotificationRepository;
  /** Where friendships come from (Beacon's table, or the host's graph). */
  friendRepo: Pick<SocialGraph, 'categoryGiven'>;
  sender: PushSender;
  /** Whether the recipient must not be disturbed now: busy, or in quiet hours. */
  quiet: (userId: number) => Promise<boolean>;
  /** Sends the frame to the recipient's open sockets, on every instance. */
  publish: (viewerId: number, payload: NotificationPayload) => void;
  now: () => number;
  log: FastifyBaseLogger;
}

/** Appearances are gathered this long and their watchers read in one query (not one per connect). */
export const GATHER_MS = 50;

type Appearance = Partial<Record<ViewerTier, View>>;

export class Notifier {
  readonly #pending = new Set<Promise<void>>();
  /** Appearances not yet looked up: subject → the tiers' views of its latest appearance. */
  #gathered = new Map<number, Appearance>();
  #timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: NotifierDeps) {}

  /**
   * `subjectId` went from offline to present for viewers of `views`' tiers (only those keys).
   * Returns at once; the work runs in the background, for a batch of appearances at a time.
   */
  appeared(subjectId: number, views: Appearance): void {
    this.#gathered.set(subjectId, views);
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.#drain(), GATHER_MS);
    this.#timer.unref();
  }

  /** Resolves when every decision and push started so far is done (tests, shutdown). */
  async idle(): Promise<void> {
    this.#drain();
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    await this.deps.sender.idle();
  }

  #drain(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#gathered.size === 0) return;
    const batch = this.#gathered;
    this.#gathered = new Map();
    const run = this.#run(batch).catch((err: unknown) => this.deps.log.error({ err, subjects: [...batch.keys()].slice(0, 20) }, 'online notifications failed'));
    this.#pending.add(run);
    void run.finally(() => this.#pending.delete(run));
  }

  async #run(batch: Map<number, Appearance>): Promise<void> {
    const watchers = await this.deps.repo.watchersOf([...batch.keys()]);
    await Promise.all(watchers.map((w) => this.#notify(w.friendId, batch.get(w.friendId) ?? {}, w).catch((err: unknown) => this.deps.log.error({ err, subjectId: w.friendId, watcherId: w.watcherId }, 'online notification failed'))));
  }

  async #notify(subjectId: number, views: Appearance, w: { watcherId: number; role: 'user' | 'admin'; periodMinutes: number }): Promise<void> {
    const { repo, friendRepo, sender } = this.deps;
    const category = await friendRepo.categoryGiven(subjectId, w.watcherId);
    if (category === null) return;
    const seen = views[tierOf({ id: w.watcherId, role: w.role }, subjectId, category)];
    if (!seen || seen.status === 'offline') return;
    if (await this.deps.quiet(w.watcherId)) return;
    if (!(await repo.claim(w.watcherId, subjectId, this.deps.now(), w.periodMinutes * 60_000))) return;
    const payload: NotificationPayload = {
      type: 'notification',
      kind: 'friend_online',
      friend_id: subjectId,
      username: seen.username,
      display_name: seen.display_name,
      status: seen.status,
      at: new Date(this.deps.now()).toISOString(),
    };
    this.deps.publish(w.watcherId, payload);
    const text = JSON.stringify(payload);
    for (const sub of await repo.subscriptionsOf(w.watcherId)) sender.send(w.watcherId, sub, text);
  }
}
