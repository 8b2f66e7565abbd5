/**
 * After a bus outage, this instance's or another's, the friend lists cached here may be stale:
 * the graph events published while a bus was down were lost, and outage-catch-up.ts re-reads
 * the friend lists cached here. Until it has, a presence change another instance
 * tells of (an input, the `reload` of a replica it re-saved) or that the resync imports would
 * be fanned out with those lists: a user unfriended, blocked or demoted during the outage would
 * see the status and message the change was made to hide (found by the multi-instance audit).
 *
 * So from the moment this instance sees its bus go down, or hears another instance's bus is
 * back (`bus_returned`, the first thing it publishes on its return), until every connected
 * viewer's friend list was read again after that (after the returning instance said it had
 * published what it changed meanwhile, `caught_up`, or HOLD_MAX_MS without its word: an older
 * version, or its catch-up failed):
 * - messages from other instances on users' topics wait here and are applied then, in the order
 *   they came (BusMessages); this instance's own go through (it knows its own changes);
 * - the resync's imports wait (replica-resync.ts).
 * The hold is bounded: HOLD_MAX_MS after a re-read is asked for (or past HELD_MAX messages),
 * what waited is applied with the lists held here, and an error says so; the re-read goes on,
 * retried with backoff, and corrects the lists when it succeeds.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { EventBus } from '../ports/event-bus.js';

/** How long messages from other instances may wait for the re-read, from when it is asked for. */
export const HOLD_MAX_MS = 10_000;
/** How many messages may wait; past it they are applied (memory stays bounded in a long partial outage). */
const HELD_MAX = 100_000;
/** Friend lists re-read at once (of the 10 connections of the database pool). */
const PARALLEL = 8;
/** A failed re-read is tried again after this long, doubling up to RETRY_MAX_MS. */
const RETRY_MS = 250;
const RETRY_MAX_MS = 30_000;

export interface StaleFriendListsDeps {
  bus: Pick<EventBus, 'instanceId' | 'isHealthy'>;
  log: FastifyBaseLogger;
  /** The viewers whose friend lists are cached here (socket or polling users, and those kept a while after). */
  viewers(): number[];
  /** Re-reads a cached viewer's friend list (GraphViews.refresh). */
  refresh(viewerId: number): Promise<void>;
  /** HOLD_MAX_MS (tests). */
  holdMaxMs?: number;
}

export class StaleFriendLists {
  #holding = false;
  /** Messages from other instances waiting, in the order they came. */
  readonly #held: Array<() => void> = [];
  /** Who waits for the lists (the resync). */
  readonly #waiters: Array<() => void> = [];
  /** Ends the hold at HOLD_MAX_MS after a re-read was asked for. */
  #bound: NodeJS.Timeout | null = null;
  /** The re-read under way. */
  #run: Promise<number> | null = null;
  /** A re-read was asked for after the one under way began: it reads again. */
  #again = false;
  /** Instances whose bus returned and that have not said `caught_up`: nothing is applied before their word (or HOLD_MAX_MS). */
  readonly #awaiting = new Map<string, NodeJS.Timeout>();
  #stopped = false;

  constructor(private readonly d: StaleFriendListsDeps) {}

  /** Whether messages from other instances wait now. */
  get holding(): boolean {
    return this.#holding;
  }

  /** The bus went down: messages from other instances wait from now until a re-read after its return. */
  hold(): void {
    this.#holding = true;
    // What other instances announce meanwhile is lost here; the re-read after the return covers it.
    for (const timer of this.#awaiting.values()) clearTimeout(timer);
    this.#awaiting.clear();
  }

  /**
   * Another instance's bus is back: what it says waits from now until it says it is caught up
   * (its `friends_changed` published, after the request frames it held) and the lists are re-read
   * after that; without its word within HOLD_MAX_MS, re-read anyway.
   */
  returned(origin: string): void {
    this.#holding = true;
    clearTimeout(this.#awaiting.get(origin));
    const timer = setTimeout(() => this.caughtUp(origin), this.d.holdMaxMs ?? HOLD_MAX_MS);
    timer.unref();
    this.#awaiting.set(origin, timer);
  }

  /** That instance published what it changed while its bus was down: the lists are read again now. */
  caughtUp(origin: string): void {
    const timer = this.#awaiting.get(origin);
    if (!timer) return;
    clearTimeout(timer);
    this.#awaiting.delete(origin);
    void this.reread();
  }

  /**
   * Re-reads every friend list cached here (again after the one under way, which began
   * before this call), then applies what waited, unless the bus is down (its return asks again).
   * Answers how many viewers the last pass re-read.
   */
  reread(): Promise<number> {
    this.#holding = true;
    this.#again = true;
    if (!this.#bound) {
      this.#bound = setTimeout(() => this.#giveUp(), this.d.holdMaxMs ?? HOLD_MAX_MS);
      this.#bound.unref();
    }
    this.#run ??= this.#loop();
    return this.#run;
  }

  /** Applies `apply` (a message from `origin`) now, or once the lists are re-read. */
  deliver(origin: string, apply: () => void): void {
    if (!this.#holding || origin === this.d.bus.instanceId) return apply();
    if (this.#held.length >= HELD_MAX) {
      this.d.log.error({ held: this.#held.length }, 'too many messages from other instances waiting for the friend lists to be re-read after a bus outage: applied now, with the lists held here');
      this.#release();
      return apply();
    }
    this.#held.push(apply);
  }

  /** Resolves once the lists are re-read (at once when nothing waits). */
  whenRead(): Promise<void> {
    return this.#holding ? new Promise((resolve) => this.#waiters.push(resolve)) : Promise.resolve();
  }

  /** The instance stops: no more retries; whoever waits goes on. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#awaiting.values()) clearTimeout(timer);
    this.#awaiting.clear();
    if (this.#bound) clearTimeout(this.#bound);
    this.#bound = null;
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  async #loop(): Promise<number> {
    let viewers = 0;
    let waitMs = RETRY_MS;
    while (this.#again && !this.#stopped) {
      this.#again = false;
      try {
        viewers = await this.#readAll();
      } catch (err) {
        this.#again = true;
        this.d.log.warn({ err, retryInMs: waitMs }, 'friend lists not re-read after a bus outage; retrying (messages from other instances wait meanwhile, up to the bound)');
        await new Promise((resolve) => setTimeout(resolve, waitMs).unref());
        waitMs = Math.min(waitMs * 2, RETRY_MAX_MS);
      }
    }
    // Synchronously after the last check of #again: a re-read asked for from now starts a new run.
    this.#run = null;
    if (!this.#stopped && this.d.bus.isHealthy() && this.#awaiting.size === 0) this.#release();
    return viewers;
  }

  /** One pass: every cached list, PARALLEL at a time. */
  async #readAll(): Promise<number> {
    const viewers = this.d.viewers();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < viewers.length) await this.d.refresh(viewers[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, viewers.length) }, worker));
    return viewers.length;
  }

  #giveUp(): void {
    this.#bound = null;
    // Down again: nothing arrives meanwhile, and the return asks for a re-read (and a new bound).
    // Waiting for a returned instance's word: its own bound asks for a re-read (and a new bound).
    if (!this.#holding || !this.d.bus.isHealthy() || this.#awaiting.size > 0) return;
    this.d.log.error(
      { held: this.#held.length, holdMaxMs: this.d.holdMaxMs ?? HOLD_MAX_MS },
      'friend lists not re-read in time after a bus outage: what other instances sent meanwhile is applied with the lists held here (a friend removed during the outage may see a change until the re-read, still retried, succeeds)',
    );
    this.#release();
  }

  #release(): void {
    if (this.#bound) clearTimeout(this.#bound);
    this.#bound = null;
    this.#holding = false;
    for (const apply of this.#held.splice(0)) {
      try {
        apply();
      } catch (err) {
        this.d.log.error({ err }, 'a message held during the friend lists’ re-read failed');
      }
    }
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
