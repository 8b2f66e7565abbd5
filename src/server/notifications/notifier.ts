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

export class Notifier {
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly deps: NotifierDeps) {}

  /**
   * `subjectId` went from offline to present for viewers of `views`' tiers (only those keys).
   * Returns at once; the work runs in the background.
   */
  appeared(subjectId: number, views: Partial<Record<ViewerTier, View>>): void {
    const run = this.#run(subjectId, views).catch((err: unknown) => this.deps.log.error({ err, subjectId }, 'online notifications failed'));
    this.#pending.add(run);
    void run.finally(() => this.#pending.delete(run));
  }

  /** Resolves when every decision and push started so far is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    await this.deps.sender.idle();
  }

  async #run(subjectId: number, views: Partial<Record<ViewerTier, View>>): Promise<void> {
    const watchers = await this.deps.repo.watchersOf(subjectId);
    await Promise.all(watchers.map((w) => this.#notify(subjectId, views, w)));
  }

  async #notify(subjectId: number, views: Partial<Record<ViewerTier, View>>, w: { watcherId: number; role: 'user' | 'admin'; periodMinutes: number }): Promise<void> {
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
    for (const sub of await repo.subscriptionsOf(w.watcherId)) sender.send(sub, text);
  }
}
