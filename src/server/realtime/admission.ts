/**
 * Admission of authenticated sockets to their `ready` snapshot, the expensive part of a
 * connect (friend graph, 50 views, a frame of several KiB, the fan-out of an appearance).
 *
 * Admissions start from one setImmediate turn, at most `perTurn` per turn of the event loop;
 * the rest wait, in arrival order, for the next turn. Between turns the loop serves I/O:
 * the handshakes and token checks of the sockets still arriving, which are cheap. So in a
 * reconnect storm every returning user is recognised within moments of arriving (and stays
 * present for friends meanwhile: the offline grace of the socket that dropped still runs) even
 * while the snapshots take their time. With nothing
 * waiting, an admission costs one setImmediate hop.
 */
export class Admission {
  #queue: Array<() => void> = [];
  #head = 0;
  #scheduled = false;

  constructor(private readonly perTurn = 16) {}

  /** Sockets waiting for their turn. */
  get waiting(): number {
    return this.#queue.length - this.#head;
  }

  /** Resolves when it is this socket's turn. */
  turn(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#queue.push(resolve);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#drain);
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    const end = Math.min(this.#queue.length, this.#head + this.perTurn);
    while (this.#head < end) this.#queue[this.#head++]!();
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else {
      if (this.#head > 1024) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      // Scheduled from inside the check phase: runs on the next turn, after pending I/O.
      this.#schedule();
    }
  };
}
