/**
 * Turns at reading status history, shared by every user of the instance: your own history
 * (`GET /users/me/status/history`), a friend's pattern (`GET /users/:id/pattern`) and the data
 * export. A read of 90 days at a change a minute walks ~130,000 rows; in one go that held the
 * event loop every user shares for ~250 ms, and five accounts reading in turn within their
 * allowance made a bystander's status reach her friend seconds late.
 *
 * So a read goes in steps (a day's rows each, history-repository.ts), and every step waits for a
 * turn of its own: turns are given on a fresh turn of the event loop (setImmediate), at most
 * STEPS_AT_ONCE at a time in the instance, so between two steps of one read the loop always goes
 * round (sockets and requests are served), and no turn of the loop runs more than STEPS_AT_ONCE
 * steps. A free turn goes to the waiting user whose reads walked the fewest rows lately
 * (recent-use.ts, as for the push slots and the calendar reader; the reader is charged, not the
 * user read), so accounts that read 90 days over and over wait behind everyone else.
 *
 * Each user reads one thing at a time: a second read (two tabs, two panels of the web app)
 * waits for the first and is answered as usual. Only past MAX_WAITING_PER_USER reads waiting
 * for one user is a read refused (429 with Retry-After). A read that waits on something else
 * than the store lets the user's turn go meanwhile (HistoryRead.release): the export, whose
 * text waits for its client to take it, held the user's history and pattern reads for as
 * long as a paused or slow download lasted.
 */
import { AppError } from '../errors.js';
import { RecentUse } from '../recent-use.js';

/** Steps (a page of rows each) running at once in the instance, at most. */
export const STEPS_AT_ONCE = 2;
/** Reads of one user waiting behind the one in progress, at most; one more is refused (429). */
export const MAX_WAITING_PER_USER = 4;
/** How fast the rows a user's reads walked are forgiven (halved). */
export const USE_HALF_LIFE_MS = 5 * 60_000;
/** Retry-After of a refused read: the reads ahead of it are a few seconds' work at most. */
export const RETRY_AFTER_MS = 2000;

export interface HistoryReadsOptions {
  /** The clock users' use decays on (the app's). */
  now: () => number;
  stepsAtOnce?: number;
  maxWaitingPerUser?: number;
}

/** One read of one user, begun with HistoryReads.begin. */
export interface HistoryRead {
  /**
   * Runs `work` (one bounded page: its query and what is done with the rows) on a turn of its
   * own, and charges the reader `rowsOf(result)` rows (and one for the query).
   */
  step<T>(work: () => Promise<T>, rowsOf: (value: T) => number): Promise<T>;
  /** Gives each page of `pages` to `use`, a page per step. */
  forEach<P>(pages: AsyncIterable<readonly P[]>, use: (page: readonly P[]) => void): Promise<void>;
  /**
   * Lets the user's next read go while this one waits on something else than the store (the
   * export's text waiting for the client to take it). The next `step` waits for the user's turn
   * again, behind the reads of theirs that came meanwhile; never refused, as the read was let in
   * already (it counts among the user's waiting reads while it waits). Does nothing unless held.
   */
  release(): void;
  /** The read is over: the user's next read may begin. Calling it again does nothing. */
  end(): void;
}

export class HistoryReads {
  /** Users with a read in progress → the reads of theirs waiting behind it. */
  readonly #users = new Map<number, Array<() => void>>();
  /** Steps waiting for a turn, by user, oldest first; Map order (since the user's last turn) breaks ties of use. */
  readonly #turns = new Map<number, Array<() => void>>();
  #running = 0;
  #pumping: NodeJS.Immediate | null = null;
  readonly #use: RecentUse;
  readonly #stepsAtOnce: number;
  readonly #maxWaiting: number;

  constructor(opts: HistoryReadsOptions) {
    this.#use = new RecentUse({ halfLifeMs: USE_HALF_LIFE_MS, now: opts.now });
    this.#stepsAtOnce = opts.stepsAtOnce ?? STEPS_AT_ONCE;
    this.#maxWaiting = opts.maxWaitingPerUser ?? MAX_WAITING_PER_USER;
  }

  /** Waits for the user's reads before this one, then begins it; 429 if too many wait already. */
  async begin(userId: number): Promise<HistoryRead> {
    const waiting = this.#users.get(userId);
    if (!waiting) this.#users.set(userId, []);
    else if (waiting.length >= this.#maxWaiting) {
      throw new AppError('RATE_LIMITED', 'You have too many history reads waiting; try again in a moment', { retryAfterMs: RETRY_AFTER_MS });
    } else await new Promise<void>((resolve) => waiting.push(resolve));
    return this.#read(userId);
  }

  /** Runs `fn` as one read of the user (begin, then end however it ends). */
  async read<T>(userId: number, fn: (read: HistoryRead) => Promise<T>): Promise<T> {
    const read = await this.begin(userId);
    try {
      return await fn(read);
    } finally {
      read.end();
    }
  }

  /** Rows the user's reads walked lately (halved every USE_HALF_LIFE_MS). */
  useOf(userId: number): number {
    return this.#use.of(userId);
  }

  /** Reads of the user waiting behind the one in progress (tests). */
  waitingOf(userId: number): number {
    return this.#users.get(userId)?.length ?? 0;
  }

  #read(userId: number): HistoryRead {
    // The user's turn: held from begin; let go by release, then waited for again (`again`) by the next step.
    let state: 'held' | 'released' | 'waiting' | 'ended' = 'held';
    let again: { promise: Promise<void>; go: () => void; cancel: () => void } | null = null;
    const passOn = () => {
      const next = this.#users.get(userId)!.shift();
      if (next) next();
      else this.#users.delete(userId);
    };
    const hold = (): Promise<void> | void => {
      if (state === 'waiting') return again!.promise;
      if (state !== 'released') return;
      const waiting = this.#users.get(userId);
      if (!waiting) {
        this.#users.set(userId, []);
        state = 'held';
        return;
      }
      state = 'waiting';
      let go!: () => void;
      let cancel!: () => void;
      const promise = new Promise<void>((resolve, reject) => {
        go = () => {
          state = 'held';
          again = null;
          resolve();
        };
        cancel = () => reject(new Error('history read ended while it waited for its turn'));
      });
      again = { promise, go, cancel };
      waiting.push(go);
      return promise;
    };
    const read: HistoryRead = {
      step: async (work, rowsOf) => {
        await hold();
        await new Promise<void>((resolve) => {
          const turns = this.#turns.get(userId);
          if (turns) turns.push(resolve);
          else this.#turns.set(userId, [resolve]);
          this.#schedule();
        });
        let rows = 0;
        try {
          const value = await work();
          rows = rowsOf(value);
          return value;
        } finally {
          this.#use.charge(userId, rows + 1);
          this.#running--;
          this.#schedule();
        }
      },
      forEach: async (pages, use) => {
        const it = pages[Symbol.asyncIterator]();
        try {
          for (;;) {
            const next = await read.step(async () => {
              const r = await it.next();
              if (!r.done) use(r.value);
              return r;
            }, (r) => (r.done ? 0 : r.value.length));
            if (next.done) return;
          }
        } finally {
          await it.return?.();
        }
      },
      release: () => {
        if (state !== 'held') return;
        state = 'released';
        passOn();
      },
      end: () => {
        const was = state;
        state = 'ended';
        if (was === 'held') passOn();
        else if (was === 'waiting') {
          // Out of the user's line, and the step that waited fails: its text ends, its pages are closed.
          const waiting = this.#users.get(userId)!;
          waiting.splice(waiting.indexOf(again!.go), 1);
          again!.cancel();
          again = null;
        }
      },
    };
    return read;
  }

  /** Gives free turns on the next turn of the event loop, never in the one a step ended in. */
  #schedule(): void {
    if (this.#pumping || this.#turns.size === 0 || this.#running >= this.#stepsAtOnce) return;
    this.#pumping = setImmediate(() => {
      this.#pumping = null;
      while (this.#running < this.#stepsAtOnce) {
        const userId = this.#use.least(this.#turns.keys());
        if (userId === null) return;
        const turns = this.#turns.get(userId)!;
        const go = turns.shift()!;
        // The user's turn is over: to the back of the line, or out of it.
        this.#turns.delete(userId);
        if (turns.length > 0) this.#turns.set(userId, turns);
        this.#running++;
        go();
      }
    });
  }
}
