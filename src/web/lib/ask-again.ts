/**
 * When a refused friend request may be asked again. The server refuses a new request for 24 h
 * after a decline (and for a while after too many requests), as 429 RATE_LIMITED with a
 * `Retry-After`; "wait a moment" would be untrue for a day's wait, so the page names the time.
 */
import { isCodedError } from './error-messages.js';
import { formatExact } from './relative-time.js';

const MINUTE = 60_000;

/**
 * The time (epoch ms) from which asking again can succeed, for a RATE_LIMITED error with a
 * wait; rounded up to the minute, as it is shown to the minute and must never be too early.
 * Null for any other error.
 */
export function askAgainAt(e: unknown, now: number): number | null {
  if (!isCodedError(e) || e.code !== 'RATE_LIMITED') return null;
  const wait = (e as { retryAfterMs?: unknown }).retryAfterMs;
  if (typeof wait !== 'number' || !Number.isFinite(wait) || wait < 0) return null;
  return Math.ceil((now + wait) / MINUTE) * MINUTE;
}

/** "Tue, 3 Jan 2030, 14:05" in the user's locale and time zone. */
export function formatAskAgain(at: number, locale?: string): string {
  return formatExact(new Date(at), locale, 'minute');
}
