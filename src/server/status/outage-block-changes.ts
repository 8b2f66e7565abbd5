/**
 * Block changes (`block_changed`, for the blocker's sockets) an outage may have kept from other
 * instances' sockets. An instance whose bus is down when it publishes one reaches its own
 * sockets only; one whose bus is down when another publishes never hears it. Nothing in the
 * database dates an unblock (its row is gone), so, as for friend-request frames
 * (held-request-frames.ts), the publisher remembers: the pairs changed while its bus was down,
 * sent again when it returns, and those published lately (RECENT_KEEP_MS), sent again to an
 * instance that says its bus is back (OutageCatchUp). What goes out again is the block held
 * now (read back from the database), never the change as it was made: a repeat is harmless,
 * and is read again where it reaches sockets, so that it never lands after a newer change
 * (repeated-states.ts).
 */
import type { BusEvent } from './presence-events.js';

export type BlockChange = Extract<BusEvent, { kind: 'block_changed' }>;

/** Who changed a block (`viewerId`, the blocker) on whom. */
export interface BlockPair {
  viewerId: number;
  subjectId: number;
}

/** The block each of these blockers holds now on the other (standalone mode: Beacon's own blocks), as `block_changed`. */
export type BlocksHeld = (pairs: readonly BlockPair[]) => Promise<BlockChange[]>;

/** How long block changes published here are kept for instances whose bus comes back later. */
const RECENT_KEEP_MS = 10 * 60_000;
/** At most this many are remembered (up to twice as many are held between two trims). */
const REMEMBERED_MAX = 10_000;

const keyOf = (p: BlockPair) => `${p.viewerId}:${p.subjectId}`;

export class OutageBlockChanges {
  /** Pairs changed here while the bus was down, by key. */
  readonly #unshared = new Map<string, BlockPair>();
  /** Pairs published (or released) lately, with when (this instance's clock), oldest first. */
  #recent: Array<{ at: number; pair: BlockPair }> = [];

  /** A block change published here at `now`; `healthy`: with the bus up. */
  changed(pair: BlockPair, healthy: boolean, now: number): void {
    if (!healthy) this.#unshared.set(keyOf(pair), { viewerId: pair.viewerId, subjectId: pair.subjectId });
    else this.#remember([pair], now);
  }

  /** How many pairs wait for the bus's return. */
  get unshared(): number {
    return this.#unshared.size;
  }

  /**
   * The pairs to publish again now that the bus is back: those changed while it was down, and
   * those published since `since` (it may have been down a while before this instance saw it).
   * Each once; they count as published now, for instances whose bus comes back later.
   */
  release(since: number, now: number): BlockPair[] {
    const pairs = unique([...this.#unshared.values(), ...this.since(since, now)]);
    this.#unshared.clear();
    this.#remember(pairs, now);
    return pairs;
  }

  /** The pairs published here since `since` (ms, this instance's clock), each once. */
  since(since: number, now: number): BlockPair[] {
    this.#forget(now);
    return unique(this.#recent.filter((r) => r.at >= since).map((r) => r.pair));
  }

  #remember(pairs: readonly BlockPair[], now: number): void {
    for (const pair of pairs) this.#recent.push({ at: now, pair });
    // Trimmed back to the cap only once it holds twice as many: a copy of the cap's entries per
    // REMEMBERED_MAX changes, not per change (an account blocked by many, deleted, changes all
    // of its blocks at once).
    if (this.#recent.length > 2 * REMEMBERED_MAX) this.#forget(now);
  }

  #forget(now: number): void {
    const keep = this.#recent.findIndex((r) => r.at >= now - RECENT_KEEP_MS);
    this.#recent = keep < 0 ? [] : this.#recent.slice(Math.max(keep, this.#recent.length - REMEMBERED_MAX));
  }
}

function unique(pairs: readonly BlockPair[]): BlockPair[] {
  return [...new Map(pairs.map((p) => [keyOf(p), p])).values()];
}

/** Whether a message from another instance is a block change (checked before it reaches sockets). */
export function isBlockChange(m: unknown): m is BlockChange {
  if (typeof m !== 'object' || m === null) return false;
  const f = m as { kind?: unknown; viewerId?: unknown; subjectId?: unknown; user?: { user_id?: unknown } | null };
  if (f.kind !== 'block_changed' || typeof f.viewerId !== 'number' || typeof f.subjectId !== 'number') return false;
  // Lifted (null), or held with the blocked user as listed: that user, never another.
  return f.user === null || (typeof f.user === 'object' && f.user?.user_id === f.subjectId);
}
