/**
 * What Beacon logs of the origins it refuses (a CORS preflight, cors.ts; a socket upgrade,
 * realtime/origin-check.ts): each origin once, and a bounded number of lines a minute, fewer for
 * each caller (address). A caller can send any number of origins, or one origin any number of
 * times: neither may flood the log the operator reads, and one caller cycling through new origins
 * may not take every line of the minute, which kept the refusals of everyone else (a real page on
 * an origin the operator forgot to list) out of the log. Only the lines are bounded; every
 * refusal is still answered.
 */

import { addressKey } from './client-address.js';

/** How many refused origins are remembered as said; the oldest is forgotten first. */
export const REMEMBERED_ORIGINS = 256;
/** How many refusal lines a minute at most (a caller may send any number of origins). */
export const LINES_PER_MINUTE = 20;
/** How many of them one caller's refusals may take (by the request's address, as Fastify's `request.ip` gives it; an IPv6 one by its /64, client-address.ts). */
export const CALLER_LINES_PER_MINUTE = 3;
/** An origin is a scheme and a host: past this it is cut, in the log and in memory. */
const ORIGIN_SHOWN = 200;

/** A caller's value (an origin, a Host) as a line shows it: cut past ORIGIN_SHOWN characters. */
export const cut = (value: string): string => (value.length > ORIGIN_SHOWN ? `${value.slice(0, ORIGIN_SHOWN)}…` : value);

/** The fields of a refusal line: the origin (cut), and how many new origins went unsaid before it. */
export interface RefusalLine {
  origin: string;
  origins_not_said?: number;
}

/** The refused origins of one kind of refusal, and which of them to say. */
export class RefusedOrigins {
  readonly #said: SaidOnce;

  constructor(now: () => number) {
    this.#said = new SaidOnce(REMEMBERED_ORIGINS, LINES_PER_MINUTE, CALLER_LINES_PER_MINUTE, now);
  }

  /** The fields to log for a refusal of `origin` asked by `caller` (its address); null when no line is to be written for it now. */
  line(origin: string, caller: string): RefusalLine | null {
    const shown = cut(origin);
    // An IPv6 caller by its /64, as every per-address limit counts it: new addresses in it are no new caller.
    const unsaid = this.#said.first(shown.toLowerCase(), addressKey(caller));
    if (unsaid === null) return null;
    return unsaid > 0 ? { origin: shown, origins_not_said: unsaid } : { origin: shown };
  }
}

/**
 * Keys said once each, at most `size` remembered (the oldest forgotten first), and at most
 * `perMinute` said a minute, `perCaller` of them for one caller: a caller cycling through new
 * origins would otherwise write a line each, or take the minute's lines from everyone else. The
 * new ones past that are counted, not remembered, and the count goes with the next one said.
 */
class SaidOnce {
  readonly #said = new Set<string>();
  /** Lines said this minute per caller: at most `perMinute` entries (only callers that were said). */
  readonly #byCaller = new Map<string, number>();
  #windowStart = -Infinity;
  #inWindow = 0;
  #unsaid = 0;

  constructor(
    private readonly size: number,
    private readonly perMinute: number,
    private readonly perCaller: number,
    private readonly now: () => number,
  ) {}

  /** Null if `key` is not to be said now; else how many new keys went unsaid before it. */
  first(key: string, caller: string): number | null {
    if (this.#said.has(key)) return null;
    const now = this.now();
    if (now - this.#windowStart >= 60_000) {
      this.#windowStart = now;
      this.#inWindow = 0;
      this.#byCaller.clear();
    }
    const callerLines = this.#byCaller.get(caller) ?? 0;
    if (this.#inWindow >= this.perMinute || callerLines >= this.perCaller) {
      this.#unsaid++;
      return null;
    }
    this.#inWindow++;
    this.#byCaller.set(caller, callerLines + 1);
    if (this.#said.size >= this.size) this.#said.delete(this.#said.values().next().value as string);
    this.#said.add(key);
    const unsaid = this.#unsaid;
    this.#unsaid = 0;
    return unsaid;
  }
}
