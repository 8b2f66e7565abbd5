/**
 * The states a bus outage may have kept from a user's sockets, sent again when the bus returns
 * (outage-catch-up.ts): the category a user gives a friend (`friend_updated`) and the block a
 * user holds on another (`block_changed`), each as the database holds it now. Read on one
 * instance and handed to sockets later, on that one or another, such a state can be older than
 * a change the user made meanwhile, through any instance: if that change's frame reached the
 * sockets first, the repeat would leave every screen of the user on the older state (Redis keeps
 * order per publisher only, and an unblock leaves no row to date it). So the sockets here get a
 * repeated state only from a read made here, and only when no frame of the same pair reached
 * them since that read began; one that did is read again (the frame that overtook it may not be
 * the newest either), up to ROUNDS times, then left to the frames of the changes still coming.
 * A repeat that arrives from another instance is thus a hint: its pair is read again here.
 * So is any such frame another instance sends (`fromElsewhere`): a user may change one pair
 * twice within a bus round trip through two instances, and this one may hear the other's older
 * change after its own newer one.
 * Every `friend_updated` and `block_changed` for the sockets here goes through `deliver`.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Friend } from '../../protocol/index.js';
import type { BlocksHeld } from './outage-block-changes.js';
import type { PresenceEvent } from './presence-events.js';

/** A frame stating the category or block a user holds for another: the kinds sent again. */
export type StateFrame = Extract<PresenceEvent, { kind: 'friend_updated' | 'block_changed' }>;

/** Each pair's friend as the user lists them now; pairs no longer friends are left out (FriendRepository.listedAmong). */
export type CategoriesHeld = (pairs: ReadonlyArray<{ userId: number; friendId: number }>) => Promise<Array<{ userId: number; friend: Friend }>>;

export interface RepeatedStatesDeps {
  /** Without it, a repeated block reaches no socket here (the integration modes send none). */
  blocksHeld?: BlocksHeld;
  /** Without it, a repeated category reaches no socket here (the integration modes send none). */
  categoriesHeld?: CategoriesHeld;
  /** This instance's gateway. */
  sink: (e: StateFrame) => void;
  log: FastifyBaseLogger;
}

/** Reads of one repeat at most: past them, the user is changing the pair, and each change's own frame follows. */
const ROUNDS = 3;

const pairOf = (e: StateFrame): string => (e.kind === 'block_changed' ? `b${e.viewerId}:${e.subjectId}` : `c${e.viewerId}:${e.friend.user_id}`);

export class RepeatedStates {
  /** Reads under way; while none is, nothing is noted. */
  #reads = 0;
  /** Frames handed over while a read was under way, counted. */
  #count = 0;
  /** The count at each pair's last frame handed over while a read was under way. */
  readonly #lastAt = new Map<string, number>();
  /** Repeats from other instances waiting for this turn's read. */
  readonly #queued: StateFrame[] = [];
  /** Changes made on other instances waiting for this turn's read (fromElsewhere). */
  readonly #changes: StateFrame[] = [];

  constructor(private readonly deps: RepeatedStatesDeps) {}

  /** A frame for the sockets here (a change as made, or a state read here): handed over, and noted for the reads under way. */
  deliver(e: StateFrame): void {
    if (this.#reads > 0) this.#lastAt.set(pairOf(e), ++this.#count);
    this.deps.sink(e);
  }

  /**
   * Hands over the states `read` reads (started now), each unless a frame of its pair was
   * handed over since; those are read again. Answers how many were handed over.
   */
  async read(read: () => Promise<StateFrame[]>): Promise<number> {
    this.#reads++;
    try {
      let mark = this.#count;
      let states = await read();
      let sent = 0;
      for (let round = 1; ; round++) {
        const overtaken = states.filter((s) => (this.#lastAt.get(pairOf(s)) ?? -1) > mark);
        const fresh = states.filter((s) => !overtaken.includes(s));
        for (const s of fresh) this.deliver(s);
        sent += fresh.length;
        if (overtaken.length === 0 || round === ROUNDS) return sent;
        mark = this.#count;
        states = await this.#reread(overtaken);
      }
    } finally {
      if (--this.#reads === 0) this.#lastAt.clear();
    }
  }

  /**
   * A frame another instance sent for the sockets here (a change as made there): its pair read
   * here and handed over as `read` does, so that it cannot land after a newer change made here.
   * Handed over as it came where this instance has no reader for its kind (the integration
   * modes), or where the read fails: the change was made, and the frame is all there is of it.
   */
  fromElsewhere(frame: StateFrame): void {
    const reader = frame.kind === 'block_changed' ? this.deps.blocksHeld : this.deps.categoriesHeld;
    if (!reader) return this.deliver(frame);
    this.#readSoon(this.#changes, frame, (batch, err) => {
      this.deps.log.warn({ err, frames: batch.length }, 'categories or blocks changed on another instance not read again here; handed over as they came');
      for (const f of batch) this.deliver(f);
    });
  }

  /** Repeats another instance sent for the sockets here: their pairs read here (one read per turn of the event loop), then handed over as `read` does. */
  recheck(repeats: readonly StateFrame[]): void {
    for (const frame of repeats) {
      this.#readSoon(this.#queued, frame, (_batch, err) =>
        this.deps.log.error({ err }, 'categories or blocks sent again after a bus outage not read; the user sees them when the page reloads them'),
      );
    }
  }

  /** Queues `frame` for one read of the queue's pairs at the end of this turn of the event loop; `failed` gets the batch if that read fails. */
  #readSoon(queue: StateFrame[], frame: StateFrame, failed: (batch: StateFrame[], err: unknown) => void): void {
    if (queue.length === 0) {
      setImmediate(() => {
        const batch = queue.splice(0);
        void this.read(() => this.#reread(batch)).catch((err: unknown) => failed(batch, err));
      });
    }
    queue.push(frame);
  }

  /** These frames' pairs as held now, each once. */
  async #reread(frames: readonly StateFrame[]): Promise<StateFrame[]> {
    const pairs = [...new Map(frames.map((f) => [pairOf(f), f])).values()];
    const blocks = pairs.flatMap((f) => (f.kind === 'block_changed' ? [{ viewerId: f.viewerId, subjectId: f.subjectId }] : []));
    const friends = pairs.flatMap((f) => (f.kind === 'friend_updated' ? [{ userId: f.viewerId, friendId: f.friend.user_id }] : []));
    const { blocksHeld, categoriesHeld } = this.deps;
    const [held, listed] = await Promise.all([
      blocksHeld && blocks.length > 0 ? blocksHeld(blocks) : [],
      categoriesHeld && friends.length > 0 ? categoriesHeld(friends) : [],
    ]);
    return [...held, ...listed.map(({ userId, friend }) => ({ kind: 'friend_updated' as const, viewerId: userId, friend }))];
  }
}
