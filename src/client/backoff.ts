/** Reconnect delays. Pure functions of their inputs so they can be tested as tables. */

/** Exponential backoff bounds: the cap grows from `baseMs` doubling per try up to `maxMs`. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** 500 ms first cap keeps a blip under the server's offline grace; 15 s bounds the worst case. */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ baseMs: 500, maxMs: 15_000 });

/**
 * Delay before reconnect attempt number `tries` (0 for the first retry), with full jitter:
 * `random() * min(maxMs, baseMs * 2^tries)`. Full jitter spreads a fleet of clients that
 * lost the same server so they do not all come back in the same instant.
 */
export function reconnectDelay(tries: number, opts: BackoffOptions, random: () => number): number {
  const exp = Math.min(Math.max(0, Math.floor(tries)), 30); // 2^30 already exceeds any sane cap
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** exp);
  return clampUnit(random()) * cap;
}

/**
 * After a 4429 (rate limited) the server asked us to slow down: wait between half and
 * all of `maxMs`, whatever the try count, so a client never hammers a limiter.
 */
export function rateLimitedDelay(opts: BackoffOptions, random: () => number): number {
  return opts.maxMs * (0.5 + clampUnit(random()) / 2);
}

/**
 * After a 1001 (server going away, e.g. a deploy) reconnect promptly so friends never
 * notice, but jittered within `baseMs` so all clients of that instance do not stampede.
 */
export function goingAwayDelay(opts: BackoffOptions, random: () => number): number {
  return clampUnit(random()) * opts.baseMs;
}

/**
 * The longest wait after a poll answered 429, whatever its `Retry-After` says (a proxy's hours):
 * half of Beacon's 60 s polling session, which a poll renews. Waiting past it, the person would
 * go offline for their friends while the page says it is polling. Beacon's own friend-poll
 * budget asks for a few seconds (5 s for a list of 5,000).
 */
export const MAX_POLL_WAIT_MS = 30_000;

/**
 * After a poll answered 429: the server's `Retry-After` (`retryAfterMs`; the poll interval when
 * it sent none we can read), stretched by up to half of it at random so the tabs of one user,
 * refused together by the budget they share, do not all ask again in the same instant; never
 * sooner than the poll interval, never later than {@link MAX_POLL_WAIT_MS}.
 */
export function rateLimitedPollDelay(retryAfterMs: number | undefined, intervalMs: number, random: () => number): number {
  const asked = readable(retryAfterMs) ? retryAfterMs : intervalMs;
  return Math.max(intervalMs, Math.min(MAX_POLL_WAIT_MS, asked * (1 + clampUnit(random()) / 2)));
}

/** A `Retry-After` we can go by (a positive, finite number of ms). */
function readable(retryAfterMs: number | undefined): retryAfterMs is number {
  return retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0;
}

/**
 * Before retrying a REST read Beacon answered 429 (a failed resync after a `seq` gap): the poll's
 * wait for that `Retry-After` ({@link rateLimitedPollDelay}, with no floor of its own); without one
 * we can read, a 4429's wait ({@link rateLimitedDelay}).
 */
export function rateLimitedReadDelay(retryAfterMs: number | undefined, opts: BackoffOptions, random: () => number): number {
  return readable(retryAfterMs) ? rateLimitedPollDelay(retryAfterMs, 0, random) : rateLimitedDelay(opts, random);
}

// A misbehaving random source must not produce negative or unbounded delays.
function clampUnit(x: number): number {
  return Number.isFinite(x) ? Math.min(Math.max(x, 0), 1) : 0;
}
