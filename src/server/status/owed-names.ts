/**
 * Which frames carry a user's names after a rename. Names are not repeated in every change;
 * a rename's frames carry them, but only to the tiers that see the user present (and the
 * user): a frame to a tier that sees them offline would tell it the user is active. Such a
 * tier is owed the names, and its next frame carries them (every snapshot has them anyway).
 * Tiers are bits of TIER_INDEX; one number per renamed user, only while something is owed.
 */
import { TIER_INDEX, type ChangedView } from '../presence/privacy.js';

export class OwedNames {
  readonly #owed = new Map<number, number>();

  /**
   * The changes to send for one of the user's view changes, and the tiers whose frames carry
   * the names. `renamed`: this change is the rename itself.
   */
  select(userId: number, changed: ChangedView[], renamed: boolean): { changed: ChangedView[]; named: number } {
    const owed = this.#owed.get(userId) ?? 0;
    let named = 0;
    if (renamed) {
      let held = 0;
      const sent = changed.filter(({ tier, after }) => {
        const bit = 1 << TIER_INDEX[tier];
        if (tier === 'self' || after.status !== 'offline') named |= bit;
        else held |= bit;
        return (named & bit) !== 0;
      });
      this.#set(userId, (owed | held) & ~named);
      return { changed: sent, named };
    }
    if (owed === 0) return { changed, named: 0 };
    for (const c of changed) named |= owed & (1 << TIER_INDEX[c.tier]);
    this.#set(userId, owed & ~named);
    return { changed, named };
  }

  /** Whether some tier is still owed the user's names (a viewer moving between tiers then gets them too). */
  owes(userId: number): boolean {
    return this.#owed.has(userId);
  }

  /** The replica was released: its viewers are gone, and a reload starts from the current names. */
  forget(userId: number): void {
    this.#owed.delete(userId);
  }

  #set(userId: number, tiers: number): void {
    if (tiers === 0) this.#owed.delete(userId);
    else this.#owed.set(userId, tiers);
  }
}
