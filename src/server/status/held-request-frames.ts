/**
 * Friend-request frames (`friend_request_received`, `friend_request_sent`,
 * `friend_request_closed`) an instance published while its bus was down reached its own
 * sockets only. They are held here, in order, and published again to the other instances when
 * the bus returns (outage-catch-up.ts): an instance whose bus stayed up never catches up
 * by itself, and a closed request leaves no row to read back. What is released states what
 * holds now: the announcement of a request no longer pending is not repeated (closed meanwhile,
 * perhaps through another instance, whose close is what holds), nor the close of a request
 * announced in the same outage (the other instances never heard of it).
 *
 * An instance whose bus was down when this one published (released, or published at once with
 * this bus up) missed it too (with every bus down, or its alone): what was sent is kept a while
 * (RELEASED_KEEP_MS), and sent to such an instance when it says its bus is back
 * (OutageCatchUp), again minus what no longer holds. The receiver drops a frame it already
 * delivered (DeliveredRequestFrames): each frame once.
 *
 * Each frame is kept with when it was first published here (`firstAt`, this instance's clock):
 * what goes out again says how long ago that was (`ageMs`, resent), and where it arrives only
 * the sockets opened before then get it (requestEvent). A socket opened since had its `ready`
 * after it and reads the requests as they are: to it, the frame is old news (an "accepted"
 * notice for a friend its `ready` already lists).
 */
import type { BusEvent, PresenceEvent } from './presence-events.js';

export type RequestFrame = Extract<BusEvent, { kind: 'request_received' | 'request_sent' | 'request_closed' }>;
/** A request frame for the sockets here. */
export type RequestEvent = Extract<PresenceEvent, { kind: 'request_received' | 'request_sent' | 'request_closed' }>;

/** A frame published here, with when it was first (this instance's clock). */
export interface KeptFrame {
  frame: RequestFrame;
  firstAt: number;
}

/** The kept frame as it goes out again at `now`: with how long ago it was first published (`ageMs`). */
export const resent = (kept: KeptFrame, now: number): RequestFrame => ({ ...kept.frame, ageMs: Math.max(0, now - kept.firstAt) });

/**
 * A request frame from the bus as it goes to the sockets here at `now`: one sent again
 * (`ageMs`) only to those opened before it was first published (`before`, on this instance's
 * clock: an age measured on the publisher's clock taken from this instance's now, never two
 * clocks' readings compared). The others as they came (the usual path: no copy, no per-socket check).
 */
export function requestEvent(frame: RequestFrame, now: number): RequestEvent {
  const age = frame.ageMs;
  if (age === undefined) return frame;
  const { ageMs: _age, ...event } = frame;
  // A malformed age (not a finite number of ms) says nothing of when: delivered as a first publish is.
  return typeof age === 'number' && Number.isFinite(age) && age >= 0 ? { ...event, before: now - age } : event;
}

/** Which of these request ids are still pending (standalone mode: Beacon's own requests). */
export type PendingRequests = (ids: readonly number[]) => Promise<ReadonlySet<number>>;

/** How long released frames are kept for instances whose bus comes back later. */
const RELEASED_KEEP_MS = 10 * 60_000;
/** At most this many released frames (or delivered frames' keys) are remembered. */
const REMEMBERED_MAX = 10_000;

export class HeldRequestFrames {
  #held: KeptFrame[] = [];
  /** Frames released or sent lately, with when (`at`, this instance's clock), oldest first. */
  #released: Array<{ at: number } & KeptFrame> = [];

  /** A frame published at `now` while the bus was down: the other instances missed it. */
  hold(frame: RequestFrame, now: number): void {
    this.#held.push({ frame, firstAt: now });
  }

  /** How many frames are held for the bus's return. */
  get held(): number {
    return this.#held.length;
  }

  /** A frame published at `now` with the bus up: an instance whose bus was down missed it. */
  sent(frame: RequestFrame, now: number): void {
    this.#released.push({ at: now, frame, firstAt: now });
    if (this.#released.length > REMEMBERED_MAX) this.#forget(now);
  }

  /**
   * The frames held so far, in the order published, minus those that no longer hold; empties the
   * hold. What it answers is kept, released at `now`, for `releasedSince`.
   */
  async release(pending: PendingRequests, now: number): Promise<KeptFrame[]> {
    const held = this.#held;
    this.#held = [];
    if (held.length === 0) return [];
    const announced = new Set(held.flatMap(({ frame: f }) => (f.kind === 'request_closed' ? [] : [f.request.id])));
    let open: ReadonlySet<number> = new Set<number>();
    try {
      if (announced.size > 0) open = await pending([...announced]);
    } catch (err) {
      // Kept for the next return of the bus.
      this.#held = [...held, ...this.#held];
      throw err;
    }
    const released = held.filter(({ frame: f }) => (f.kind === 'request_closed' ? !announced.has(f.requestId) : open.has(f.request.id)));
    this.#released.push(...released.map((kept) => ({ at: now, ...kept })));
    this.#forget(now);
    return released;
  }

  /**
   * The frames released or sent since `since` (ms, this instance's clock), in order, for an
   * instance whose bus was down then: minus the announcements of requests no longer pending.
   */
  async releasedSince(since: number, now: number, pending: PendingRequests): Promise<KeptFrame[]> {
    this.#forget(now);
    const frames = this.#released.filter((r) => r.at >= since).map(({ frame, firstAt }) => ({ frame, firstAt }));
    const announced = new Set(frames.flatMap(({ frame: f }) => (f.kind === 'request_closed' ? [] : [f.request.id])));
    const open = announced.size > 0 ? await pending([...announced]) : new Set<number>();
    return frames.filter(({ frame: f }) => f.kind === 'request_closed' || open.has(f.request.id));
  }

  #forget(now: number): void {
    const keep = this.#released.findIndex((r) => r.at >= now - RELEASED_KEEP_MS);
    this.#released = keep < 0 ? [] : this.#released.slice(Math.max(keep, this.#released.length - REMEMBERED_MAX));
  }
}

const REQUEST_KINDS: ReadonlySet<string> = new Set(['request_received', 'request_sent', 'request_closed']);

/** Whether a message from another instance is a request frame (checked before it reaches sockets). */
export function isRequestFrame(m: unknown): m is RequestFrame {
  if (typeof m !== 'object' || m === null || !REQUEST_KINDS.has((m as { kind?: unknown }).kind as string)) return false;
  const f = m as { kind: string; viewerId?: unknown; requestId?: unknown; request?: { id?: unknown } | null };
  if (typeof f.viewerId !== 'number') return false;
  // Each kind with the field it is keyed on: one malformed frame must not stop the rest of its message.
  return f.kind === 'request_closed' ? typeof f.requestId === 'number' : typeof f.request?.id === 'number';
}

/**
 * The request frames delivered to this instance's sockets lately (by key: each request is
 * announced, sent and closed at most once per viewer), so that one sent again after an outage
 * reaches them once.
 */
export class DeliveredRequestFrames {
  readonly #keys = new Set<string>();

  /**
   * Notes a frame as delivered; false if it was already, or if it announces a request whose
   * close this viewer already had (a late resend must not bring a closed request back).
   */
  add(frame: RequestFrame): boolean {
    const closeKey = `c:${frame.viewerId}:${frame.kind === 'request_closed' ? frame.requestId : frame.request.id}`;
    const key = frame.kind === 'request_closed' ? closeKey : `${frame.kind === 'request_sent' ? 's' : 'r'}:${frame.viewerId}:${frame.request.id}`;
    if (this.#keys.has(key) || (key !== closeKey && this.#keys.has(closeKey))) return false;
    this.#keys.add(key);
    // Oldest first: a Set iterates in insertion order.
    if (this.#keys.size > REMEMBERED_MAX) this.#keys.delete(this.#keys.values().next().value!);
    return true;
  }
}
