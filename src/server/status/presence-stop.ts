/**
 * A stop's drain (PresenceService.stop, once its timers are stopped): the last write of every
 * row, the shared store's last saves, the status history's, and with one instance the record of
 * who was present (restart-grace.ts), without the users who logged out meanwhile
 * (stop-logouts.ts). What could not be saved makes the stop reject with IncompleteStop, which
 * says where those changes are (docs/operations.md, "Stopping").
 */
import type { PresenceEngine } from '../presence/presence-engine.js';
import type { PresenceDeps } from './presence-deps.js';
import type { PresenceWriter } from './presence-writer.js';
import type { Replicas } from './replicas.js';
import type { StopLogouts } from './stop-logouts.js';

/**
 * What a clean stop keeps of BEACON_SHUTDOWN_TIMEOUT_MS for what follows its saves to the shared
 * store: leaving the cluster (≤ 1 s) and closing the Redis connections (~3 s where Redis hangs,
 * measured), with a margin, so that the drain ends, and says what it could not save, within the
 * bound. A bound under 10 s keeps 60 % of itself instead.
 */
const STOP_RESERVE_MS = 6_000;
const STOP_RESERVE_SHARE = 0.6;

/** How long a stop tries to save to the shared store: the bound less STOP_RESERVE_MS, and at least 40 % of it (4 s of the default 10 s). */
const storeSavesFor = (shutdownTimeoutMs: number): number => Math.max(shutdownTimeoutMs - STOP_RESERVE_MS, shutdownTimeoutMs * (1 - STOP_RESERVE_SHARE));

/**
 * A stop that could not save everything (an expected outcome, said without a stack); `written`:
 * the database took it all (only the shared store did not).
 */
export class IncompleteStop extends Error {
  override readonly name = 'IncompleteStop';
  constructor(
    message: string,
    readonly written: boolean,
  ) {
    super(message);
  }
}

/** What became of the changes the stop could not write to the database (PresenceService.stop). */
function notWrittenProblem(users: number, shared: boolean, storeMissedSome: boolean): string {
  const head = `presence not written to the database (unreachable): ${users} users' changes`;
  if (!shared) return `${users > 0 ? `${head} are lost, and ` : 'presence not written to the database (unreachable): '}the stop is not recorded (the next start treats it as a crash)`;
  const kept = `are kept in the shared presence store (Redis), where the other instances read them; they reach the database with a later change another instance writes for those users`;
  return storeMissedSome ? `${head} ${kept}, except those the store did not take either, which are lost` : `${head} ${kept}`;
}

export interface DrainParts {
  deps: Pick<PresenceDeps, 'config' | 'store' | 'now' | 'history' | 'repo'>;
  engine: Pick<PresenceEngine, 'presentAt'>;
  writer: Pick<PresenceWriter, 'stop' | 'health'>;
  replicas: Pick<Replicas, 'stop'>;
  stopLogouts: Pick<StopLogouts, 'record' | 'settled'>;
}

/**
 * Writes everything, with several instances the database first, then what the shared store has
 * not taken, until the drain's bound nears (storeSavesFor); rejects with IncompleteStop where
 * something could not be saved.
 */
export async function drain(p: DrainParts): Promise<void> {
  const { deps } = p;
  const deadline = Date.now() + storeSavesFor(deps.config.shutdownTimeoutMs);
  const now = deps.now();
  const present = deps.store.shared ? [] : p.engine.presentAt(now);
  // The row first: it carries each change with its version, so a change the store never takes
  // still wins over the store's older copy (ReplicaVersions.loaded, importRow).
  const notWritten = await p.writer.stop(deadline);
  const notShared = await p.replicas.stop(deadline);
  await deps.history.stop();
  const health = p.writer.health();
  // A row that failed on its own (the database reached, the row refused) is logged as it fails;
  // it keeps the stop from being recorded clean, but only a database out of reach fails the stop.
  const saved = health.ok && health.setAside.length === 0 && notWritten === 0;
  if (!deps.store.shared) {
    // Dated `now` (when the sockets ended), but recorded after the final flush, whose alive mark
    // is a few milliseconds later: the next start must not read that as a run going on after the stop.
    // After the rows of logouts so far, without the users they took out of `present` (stop-logouts.ts).
    if (saved) await p.stopLogouts.record(now, present, Math.max(now, deps.now()));
    // The start took this run's record already (takeStopped): this only makes sure none is left.
    else await deps.repo.clearStopped().catch(() => {});
    // Logouts that came while the record was written: their rows, and the record again.
    await p.stopLogouts.settled();
  }
  // The counts are the ones logged at the writer's stop and the store's drain. One instance: the
  // changes lived in this process only, and the stop record is lost too (the next start sees a
  // crash). Shared store: an alive mark that could not be written is no failure; an unwritten
  // change is in the store (its save comes first), where the others read it, but none writes
  // it to the database for this instance: it reaches the row with a later change written there.
  const problems: string[] = [];
  const unwritten = !health.ok && (!deps.store.shared || notWritten > 0);
  if (unwritten) problems.push(notWrittenProblem(notWritten, deps.store.shared, notShared > 0));
  if (notShared > 0) problems.push(`presence not saved to the shared store (unreachable): ${notShared} users' changes were not saved to it; the others take them from the database rows`);
  if (problems.length > 0) throw new IncompleteStop(problems.join('; '), !unwritten);
}
