/**
 * Friend-request frames (`friend_request_received`, `friend_request_sent`,
 * `friend_request_closed`) an instance published while its bus was down reached its own
 * sockets only. They are held here, in order, and published again to the other instances when
 * the bus returns (outage-catch-up.ts): an instance whose bus stayed up never catches up
 * by itself, and a closed request leaves no row to read back. What is released states what
 * holds now: the announcement of a request no longer pending is not repeated (closed meanwhile,
 * perhaps through another instance, whose close is what holds), nor the close of a request
 * announced in the same outage (the other instances never heard of it).
 */
import type { BusEvent } from './presence-events.js';

export type RequestFrame = Extract<BusEvent, { kind: 'request_received' | 'request_sent' | 'request_closed' }>;

/** Which of these request ids are still pending (standalone mode: Beacon's own requests). */
export type PendingRequests = (ids: readonly number[]) => Promise<ReadonlySet<number>>;

export class HeldRequestFrames {
  #held: RequestFrame[] = [];

  /** A frame published while the bus was down: the other instances missed it. */
  hold(frame: RequestFrame): void {
    this.#held.push(frame);
  }

  /** The frames held so far, in the order published, minus those that no longer hold; empties the hold. */
  async release(pending: PendingRequests): Promise<RequestFrame[]> {
    const held = this.#held;
    this.#held = [];
    if (held.length === 0) return [];
    const announced = new Set(held.flatMap((f) => (f.kind === 'request_closed' ? [] : [f.request.id])));
    let open: ReadonlySet<number> = new Set<number>();
    try {
      if (announced.size > 0) open = await pending([...announced]);
    } catch (err) {
      // Kept for the next return of the bus.
      this.#held = [...held, ...this.#held];
      throw err;
    }
    return held.filter((f) => (f.kind === 'request_closed' ? !announced.has(f.requestId) : open.has(f.request.id)));
  }
}
