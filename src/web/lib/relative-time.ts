/**
 * Pure formatting for "last seen" times. Kept free of DOM so it is unit-tested with
 * an injected `now` and shared by the <beacon-relative-time> element.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Under this age a time reads "just now": small clock skew must not say "in 2 seconds". */
export const JUST_NOW_MS = 45_000;

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

/**
 * How precise a time is. Friends get `last_seen` (and `activity_since`) floored to the minute
 * (protocol §3, §9): such a time is `minute`, the truth somewhere in the minute after it.
 */
export type TimePrecision = 'exact' | 'minute';

/**
 * A time floored to the minute by the server has zero seconds and milliseconds; an exact one
 * almost never does (and showing one of those to the minute only says less, never wrong).
 */
export function precisionOf(date: Date): TimePrecision {
  return date.getTime() % MINUTE === 0 ? 'minute' : 'exact';
}

/**
 * A minute-precision time read as its true range [date, date + 1 min): "just now" while the
 * truth could be under 45 s ago, then counted from the middle of that minute.
 */
function middleOfMinute(date: Date, now: Date): Date | null {
  const age = now.getTime() - date.getTime();
  return age - MINUTE < JUST_NOW_MS ? null : new Date(date.getTime() + MINUTE / 2);
}

/** "just now", "5 minutes ago", "3 hours ago", "yesterday", "4 days ago", then a date. */
export function formatRelative(date: Date, now: Date, locale = 'en', precision: TimePrecision = 'exact'): string {
  if (precision === 'minute' && !Number.isNaN(date.getTime())) {
    const middle = middleOfMinute(date, now);
    if (middle === null) return 'just now';
    return formatRelative(middle, now, locale);
  }
  const age = now.getTime() - date.getTime();
  if (Number.isNaN(age)) return 'unknown';
  if (age < JUST_NOW_MS) return 'just now';
  if (age < HOUR) return plural(Math.max(1, Math.round(age / MINUTE)), 'minute');
  if (age < DAY) return plural(Math.round(age / HOUR), 'hour');
  if (age < 2 * DAY) return 'yesterday';
  if (age < 7 * DAY) return plural(Math.floor(age / DAY), 'day');
  const sameYear = date.getFullYear() === now.getFullYear();
  return `on ${date.toLocaleDateString(locale, { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) })}`;
}

/**
 * Full local date and time for tooltips, e.g. "Mon, 15 Jan 2024, 14:30:00"; to the minute
 * ("Mon, 15 Jan 2024, 14:30") for a minute-precision time, whose seconds are not known.
 */
export function formatExact(date: Date, locale?: string, precision: TimePrecision = 'exact'): string {
  return date.toLocaleString(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(precision === 'exact' ? { second: '2-digit' as const } : {}),
  });
}

/**
 * How long until the text of a time of this age may change; the shared timer sleeps
 * for the smallest of these across all elements instead of ticking blindly.
 */
export function nextChangeIn(date: Date, now: Date, precision: TimePrecision = 'exact'): number {
  if (precision === 'minute') {
    const middle = middleOfMinute(date, now);
    if (middle === null) return Math.max(1_000, MINUTE + JUST_NOW_MS - (now.getTime() - date.getTime()));
    return nextChangeIn(middle, now);
  }
  const age = now.getTime() - date.getTime();
  if (age < JUST_NOW_MS) return Math.max(1_000, JUST_NOW_MS - age);
  // Minutes are rounded, so the text changes at every half-minute boundary.
  if (age < HOUR) return (Math.floor((age - 30_000) / MINUTE) + 1) * MINUTE + 30_000 - age + 250;
  if (age < DAY) return 5 * MINUTE;
  return HOUR;
}

/** A time of day for tooltips ("since 18:13:07"); without seconds for a minute-precision time. */
export function formatTimeOfDay(date: Date, locale?: string, precision: TimePrecision = precisionOf(date)): string {
  return date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', ...(precision === 'exact' ? { second: '2-digit' as const } : {}) });
}
