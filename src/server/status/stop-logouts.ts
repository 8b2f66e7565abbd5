/**
 * Logouts during a one-instance stop's drain (PresenceService.stop). The stop takes who is
 * present as it begins, writes the rows, then records the stop for the next start to resume
 * those users in their grace (restart-grace.ts). A logout made meanwhile (a request still being
 * answered, a host's signOut, the close of a socket the logout ended) ends the user's sessions
 * for good: her row is written at once, apart from the write-behind (whose last write may be
 * over), and the record leaves her out, written again if it was written already. The next start
 * then shows her offline, last seen at the logout, as she was told. If her row cannot be written,
 * the record still leaves her out: the next start writes her offline, last seen at the stop.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { PresentAtStop } from '../presence/types.js';
import type { PresenceRepository } from './presence-repository.js';

export interface StopLogoutsDeps {
  repo: Pick<PresenceRepository, 'markStopped'>;
  log: FastifyBaseLogger;
  /** The users with a live session or a running grace now (PresenceEngine.presentAt). */
  presentNow(): ReadonlySet<number>;
  /** Writes the user's row now (PresenceWriter.writeNow). */
  writeRow(userId: number): Promise<void>;
}

interface Record {
  at: number;
  present: PresentAtStop[];
  recordedAt: number;
}

export class StopLogouts {
  /** The logouts' writes and the record, one after another. */
  #chain: Promise<void> = Promise.resolve();
  /** What the stop recorded, once it did. */
  #record: Record | null = null;

  constructor(private readonly d: StopLogoutsDeps) {}

  /** The user logged out during the stop (applied already): her row is written, and a record written already is written again without her. */
  loggedOut(userId: number): void {
    this.#then(async () => {
      await this.d.writeRow(userId).catch((err: unknown) => {
        this.d.log.error({ err, userId }, 'presence: a logout during the stop was not written to the database; the next start shows the user offline since the stop');
      });
      if (this.#record !== null) await this.#write(this.#record);
    });
  }

  /**
   * Records the stop, after the rows of the logouts so far, leaving out those of `present` who
   * are present no longer (logged out since). Rejects when the record cannot be written.
   */
  async record(at: number, present: PresentAtStop[], recordedAt: number): Promise<void> {
    const done = this.#chain.then(() => {
      this.#record = { at, present, recordedAt };
      return this.#write(this.#record, true);
    });
    this.#chain = done.catch(() => {});
    await done;
  }

  /** Resolves once the rows of the logouts so far (and a record they changed) are written, or failed. */
  async settled(): Promise<void> {
    let last: Promise<void>;
    do {
      last = this.#chain;
      await last;
    } while (last !== this.#chain);
  }

  #then(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch((err: unknown) => this.d.log.error({ err }, 'presence: the stop record was not written again after a logout'));
  }

  /** Writes the record without who left since (`always`: even when no one did). */
  async #write(record: Record, always = false): Promise<void> {
    const now = this.d.presentNow();
    const present = record.present.filter((p) => now.has(p.userId));
    if (!always && present.length === record.present.length) return;
    record.present = present;
    await this.d.repo.markStopped(record.at, present, record.recordedAt);
  }
}
