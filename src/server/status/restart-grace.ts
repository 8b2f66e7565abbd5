/**
 * One instance's start after its last run: a restart within the offline grace of a clean stop
 * resumes the users present at the stop, so a deploy is no offline-and-back for anyone. The
 * stop's side (what it records) is PresenceService.stop; this is what the next start reads.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { PresenceEngine } from '../presence/presence-engine.js';
import type { PresenceRepository } from './presence-repository.js';

export interface RestartDeps {
  repo: PresenceRepository;
  log: FastifyBaseLogger;
  now: () => number;
  engine: PresenceEngine;
  ensureLoaded(ids: readonly number[]): Promise<void>;
  /** Has the write-behind write the user's row again. */
  markDirty(userId: number): void;
  /** BEACON_SHUTDOWN_TIMEOUT_MS: a stop's final write ends within it. */
  stopBoundMs: number;
}

/**
 * A deploy (a clean stop, then a start within the offline grace) is a network blip for every
 * connected user: friends see no one go offline and come back, and followers get no "is
 * online" notification. First every row still online is written offline (last seen at the
 * stop, or when a crashed run was last alive), then the users present at a clean stop whose
 * grace still runs are loaded in it (their rows written again by the write-behind); those
 * whose grace ran out while loading stay offline.
 */
export async function afterLastRun(d: RestartDeps): Promise<void> {
  const { repo, log } = d;
  const stop = await repo.takeStopped();
  const aliveAt = await repo.lastAlive();
  // No alive mark after the stop was recorded: nothing ran after it. A record of a release before
  // `recordedAt` (up to 2026-12-04) is dated before the stop's final flush, whose alive mark comes
  // a few milliseconds later, but was written after that flush, the process ending then: an alive
  // mark within the stop's bound is that flush's. Compared with `at` alone, the first start of an
  // upgrade from such a release read its clean stop as a crash and reset everyone offline.
  const recordedBy = stop === null ? null : (stop.recordedAt ?? stop.at + d.stopBoundMs);
  const clean = stop !== null && (aliveAt === null || recordedBy! >= aliveAt);
  const n = await repo.resetGhosts(clean ? stop.at : aliveAt, d.now());
  const resumable = clean ? stop.present.filter((p) => p.graceUntil > d.now()) : [];
  if (n > 0 && resumable.length === 0) log.info({ users: n }, clean ? 'reset users left online by a stop longer than the offline grace' : 'reset users left online by an unclean stop');
  if (resumable.length === 0) return;
  await d.ensureLoaded(resumable.map((p) => p.userId));
  let resumed = 0;
  for (const p of resumable) {
    if (!d.engine.resumeGrace(p)) continue;
    d.markDirty(p.userId);
    resumed++;
  }
  log.info({ users: resumed, of: resumable.length }, 'restarted within the offline grace: users present at the stop keep it');
}
