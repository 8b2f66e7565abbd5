/**
 * A rename reaching this instance (`renamed` on the user's topic): the loaded profile's name is
 * read again from where names come from (Beacon's users, a host's profiles port or shadow rows),
 * and friends and the user's own sockets see it live, as a view change. Which tiers' frames
 * carry the new names is owed-names.ts.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { PresenceRepository, Profile } from './presence-repository.js';
import type { PresenceViews } from './presence-views.js';

export interface RenamesDeps {
  repo: Pick<PresenceRepository, 'namesOf'>;
  log: FastifyBaseLogger;
  /** The profiles of the users replicated here. */
  profiles: ReadonlyMap<number, Profile>;
  views: Pick<PresenceViews, 'subject' | 'publishViews'>;
}

export class Renames {
  /** Name re-reads in flight, by user. */
  readonly #renaming = new Map<number, Promise<void>>();

  constructor(private readonly d: RenamesDeps) {}

  /** Re-reads a loaded user's name; renames of one user are read one after another, so the last one wins. */
  reread(userId: number): void {
    const previous = this.#renaming.get(userId) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        const name = (await this.d.repo.namesOf([userId])).get(userId);
        const profile = this.d.profiles.get(userId);
        if (!name || !profile || (profile.username === name.username && profile.displayName === name.displayName)) return;
        const before = this.d.views.subject(userId);
        profile.username = name.username;
        profile.displayName = name.displayName;
        this.d.views.publishViews(userId, before, this.d.views.subject(userId), { renamed: true });
      })
      .catch((err: unknown) => this.d.log.error({ err, userId }, 'renamed user’s name not re-read; friends see the old name until it is loaded again'))
      .finally(() => {
        if (this.#renaming.get(userId) === next) this.#renaming.delete(userId);
      });
    this.#renaming.set(userId, next);
  }
}
