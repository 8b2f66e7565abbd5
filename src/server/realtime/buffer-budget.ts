/**
 * The instance's budget on bytes buffered for its sockets (BEACON_WS_BUFFER_BUDGET_BYTES).
 *
 * Each socket may hold up to ~256 KiB of frames its client has not read (connection.ts), and
 * up to 4 MiB for a moment. Nothing bounded the sum: accounts whose sockets never read (their TCP
 * window full), with friends changing status, made one instance hold 0.5–1 GB from one address at
 * the 2,000-sockets-per-address cap, and more from several, until the process ran out of memory
 * and every user lost presence. This keeps the sum under a budget: past it, the sockets holding
 * the most among those that read nothing are closed with the slow-consumer close (1013, the SDK
 * reconnects within the offline grace) and their connections dropped soon after (flood-close.ts).
 *
 * Cheap on the hot path: a connection reports its buffered bytes after each write only when they
 * changed (connection.ts; a socket that reads keeps 0 there, the kernel takes every frame), and
 * the sum is kept as it goes, O(1) per write. The sockets holding bytes ("holders": backed-up
 * sockets only) are read again once a second (a socket's buffer empties with no write to tell).
 * Only a socket that read nothing since the sweep before last may be shed: its buffer was never
 * seen to go down, neither by that sweep nor before any write (connection.ts reads it before
 * writing, and only a read by the client makes it go down). A socket that reads, however much it
 * holds (a `ready` of thousands of friends on a slow link, a feed faster than its link), is never
 * shed.
 */
import type { FastifyBaseLogger } from 'fastify';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { Connection } from './connection.js';

/** How often the holders' buffers are read again (and a socket found to read nothing). */
export const BUDGET_SWEEP_MS = 1_000;
/** Past the budget, sockets are shed until the sum is this far under it (so that one more frame does not shed another). */
export const SHED_SLACK = 1 / 8;
const MIB = 1024 * 1024;
/** Bounds of the default budget (defaultBufferBudget). */
const DEFAULT_MIN = 16 * MIB;
const DEFAULT_MAX = 1024 * MIB;
const OPEN = 1;
const CLOSED = 3;

/**
 * The budget when BEACON_WS_BUFFER_BUDGET_BYTES is not set: an eighth of the memory the process
 * may use (its cgroup's limit in a container, else the machine's), and no more than a quarter of
 * V8's heap limit (`heapLimit`: a frame over 4 KiB waits in the socket's queue as a string, on the
 * heap, and a full heap ends the process as surely), between 16 MiB and 1 GiB.
 */
export function defaultBufferBudget(memory = availableMemory(), heapLimit = getHeapStatistics().heap_size_limit): number {
  return Math.min(DEFAULT_MAX, Math.max(DEFAULT_MIN, Math.floor(Math.min(memory / 8, heapLimit / 4))));
}

/** The memory this process may use: the machine's, or less when a cgroup limits it (Node reports 2^64 when none does). */
function availableMemory(): number {
  const limit = process.constrainedMemory?.() ?? 0;
  const total = totalmem();
  return limit > 0 && limit < total ? limit : total;
}

/** A socket holding bytes, and whether its client was seen reading. */
interface Holding {
  /** A sweep has seen it holding bytes (it began before the last sweep). */
  swept: boolean;
  /** Its buffer was seen going down since the last sweep: its client reads. */
  read: boolean;
  /** It read nothing from the sweep before last to the last: it may be shed. */
  stalled: boolean;
  /** Closed (shed, or by anything else): its bytes are on their way out, no more shedding for them. */
  going: boolean;
}

export interface BufferBudgetOptions {
  /** The budget, in bytes. */
  limit: number;
  /** Closes a socket shed for the budget (the slow-consumer close: Connection.closeSlow). */
  shed: (c: Connection) => void;
  /** Told of each socket shed (metrics). */
  onShed?: () => void;
  log: FastifyBaseLogger;
}

export class BufferBudget {
  readonly limit: number;
  #total = 0;
  /** Of #total, the bytes of sockets already closed (shed or otherwise), until they are gone. */
  #going = 0;
  readonly #holders = new Map<Connection, Holding>();
  #timer: NodeJS.Timeout | null = null;
  #passDue = false;
  /** A pass found too few sockets reading nothing: no other pass until the next sweep finds more. */
  #waitSweep = false;
  /** Sockets shed since the last log line, and the bytes they held. */
  #shed = { sockets: 0, bytes: 0 };
  #stopped = false;

  constructor(private readonly opts: BufferBudgetOptions) {
    this.limit = opts.limit;
  }

  /** The bytes buffered for every socket, as last read. */
  get buffered(): number {
    return this.#total;
  }

  /** Sockets holding bytes (tests, diagnostics). */
  get holders(): number {
    return this.#holders.size;
  }

  /**
   * After a write to `c`'s socket: it now buffers `bytes`. `read`: before the write it buffered
   * less than last told, so its client read meanwhile. Called only when one of them is news. O(1).
   */
  held(c: Connection, bytes: number, read = false): void {
    const before = c.heldBytes;
    c.heldBytes = bytes;
    this.#total += bytes - before;
    let h = this.#holders.get(c);
    if (bytes === 0) {
      if (h) this.#release(c, h, before);
      return;
    }
    if (h === undefined) {
      h = { swept: false, read: false, stalled: false, going: false };
      this.#holders.set(c, h);
      this.#arm();
    } else {
      // Seen reading: not to be shed before a whole sweep passes without.
      if (read) {
        h.read = true;
        h.stalled = false;
      }
      if (h.going) this.#going += bytes - before;
    }
    if (this.#total - this.#going > this.limit && !this.#passDue && !this.#waitSweep && !this.#stopped) {
      // Not in the middle of a fan-out: at the end of this turn.
      this.#passDue = true;
      setImmediate(() => this.#pass());
    }
  }

  /** The socket closed: its bytes are gone with it. */
  forget(c: Connection): void {
    const h = this.#holders.get(c);
    if (h) this.#release(c, h, c.heldBytes);
    this.#total -= c.heldBytes;
    c.heldBytes = 0;
  }

  #release(c: Connection, h: Holding, bytes: number): void {
    this.#holders.delete(c);
    if (h.going) this.#going -= bytes;
  }

  /**
   * Reads every holder's buffer again: who emptied it leaves the holders, who was never seen
   * reading since the last sweep reads nothing. Then sheds if the sum is over the budget, and logs
   * what was shed since the last line (so at most a line a second). Runs once a second while
   * sockets hold bytes.
   */
  sweep(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#waitSweep = false;
    for (const [c, h] of this.#holders) {
      const socket = c.socket;
      // Gone without its close being seen here yet: nothing of it is held any more.
      if (socket.readyState === CLOSED) {
        this.forget(c);
        continue;
      }
      const bytes = socket.bufferedAmount;
      h.stalled = h.swept && !h.read && bytes >= c.heldBytes;
      h.swept = true;
      h.read = false;
      if (bytes !== c.heldBytes) {
        const before = c.heldBytes;
        c.heldBytes = bytes;
        this.#total += bytes - before;
        if (h.going) this.#going += bytes - before;
        if (bytes === 0) this.#release(c, h, 0);
      }
    }
    this.#pass();
    this.#report();
    this.#arm();
  }

  /** Over the budget: closes the largest holders that read nothing until the sum is SHED_SLACK under it. */
  #pass(): void {
    this.#passDue = false;
    if (this.#stopped || this.#total - this.#going <= this.limit) return;
    const candidates: Connection[] = [];
    for (const [c, h] of this.#holders) {
      if (h.going) continue;
      if (c.closeCode !== 0 || c.socket.readyState !== OPEN) {
        // Closed by anything else (hard cap, client, logout): on its way out already.
        h.going = true;
        this.#going += c.heldBytes;
      } else if (h.stalled) candidates.push(c);
    }
    if (this.#total - this.#going <= this.limit) return;
    let excess = this.#total - this.#going - Math.floor(this.limit * (1 - SHED_SLACK));
    candidates.sort((a, b) => b.heldBytes - a.heldBytes);
    for (const c of candidates) {
      if (excess <= 0) break;
      const bytes = c.heldBytes;
      this.#holders.get(c)!.going = true;
      this.#going += bytes;
      excess -= bytes;
      this.#shed.sockets++;
      this.#shed.bytes += bytes;
      this.opts.onShed?.();
      this.opts.shed(c);
    }
    // The rest is held by sockets not yet found to read nothing: the next sweep may find them.
    if (this.#total - this.#going > this.limit) this.#waitSweep = true;
  }

  #report(): void {
    const { sockets, bytes } = this.#shed;
    if (sockets === 0) return;
    this.#shed = { sockets: 0, bytes: 0 };
    this.opts.log.warn(
      { shed: sockets, shedBytes: bytes, buffered: this.#total, budget: this.limit },
      'sockets closed (1013): the bytes buffered for sockets that do not read passed the instance budget (BEACON_WS_BUFFER_BUDGET_BYTES); the largest holders were closed',
    );
  }

  /** The sweep runs while sockets hold bytes, or a shed is still to be logged. */
  #arm(): void {
    if (this.#timer !== null || this.#stopped || (this.#holders.size === 0 && this.#shed.sockets === 0)) return;
    this.#timer = setTimeout(() => this.sweep(), BUDGET_SWEEP_MS);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
