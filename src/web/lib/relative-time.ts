/**
 * Pure formatting for "last seen" times. Kept free of DOM so it is unit-tested with
 * an injected `now` and shared by the <beacon-relative-time> element.
 */
import { formatDate } from '../../client/date-format.js';

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

/**
 * Whole calendar days from `date` to `now` in the viewer's time zone (0: the same day, 1: `date`
 * was yesterday), whatever the hours between them and however long those days were (DST).
 */
function calendarDaysBetween(date: Date, now: Date): number {
  const day = (d: Date): number => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  return Math.round((day(now) - day(date)) / DAY);
}

/** Milliseconds from `now` to the viewer's next midnight. */
function untilMidnight(now: Date): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).getTime() - now.getTime();
}

/** From this age the rounded minutes reach 60: "1 hour ago", never "60 minutes ago". */
const HOURS_FROM = HOUR - MINUTE / 2;
/** From this age the rounded hours reach 24: calendar days, never "24 hours ago". */
const DAYS_FROM = DAY - HOUR / 2;

/**
 * "just now", "5 minutes ago", "3 hours ago", "yesterday", "4 days ago", then a date. Minutes
 * and hours are rounded and each hands over when its rounded count reaches the next unit;
 * "yesterday" and "N days ago" are calendar days in the viewer's time zone (47 h after a morning,
 * two midnights later, is "2 days ago"). From 23.5 h on the same calendar day (just after one
 * midnight to just before the next) it stays "23 hours ago".
 */
export function formatRelative(date: Date, now: Date, locale = 'en', precision: TimePrecision = 'exact'): string {
  if (precision === 'minute' && !Number.isNaN(date.getTime())) {
    const middle = middleOfMinute(date, now);
    if (middle === null) return 'just now';
    return formatRelative(middle, now, locale);
  }
  const age = now.getTime() - date.getTime();
  if (Number.isNaN(age)) return 'unknown';
  if (age < JUST_NOW_MS) return 'just now';
  if (age < HOURS_FROM) return plural(Math.max(1, Math.round(age / MINUTE)), 'minute');
  if (age < DAYS_FROM) return plural(Math.round(age / HOUR), 'hour');
  const days = calendarDaysBetween(date, now);
  if (days < 1) return plural(Math.floor(age / HOUR), 'hour');
  if (days === 1) return 'yesterday';
  if (days < 7) return plural(days, 'day');
  const sameYear = date.getFullYear() === now.getFullYear();
  return `on ${formatDate(date, locale, { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) })}`;
}

/**
 * Full local date and time for tooltips, e.g. "Mon, 15 Jan 2024, 14:30:00"; to the minute
 * ("Mon, 15 Jan 2024, 14:30") for a minute-precision time, whose seconds are not known.
 */
export function formatExact(date: Date, locale?: string, precision: TimePrecision = 'exact'): string {
  return formatDate(date, locale, {
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
  // Minutes and hours are rounded, so the text changes at every half-minute (half-hour) boundary.
  if (age < HOURS_FROM) return (Math.floor((age - MINUTE / 2) / MINUTE) + 1) * MINUTE + MINUTE / 2 - age + 250;
  if (age < DAYS_FROM) return (Math.floor((age - HOUR / 2) / HOUR) + 1) * HOUR + HOUR / 2 - age + 250;
  // Calendar days change at the viewer's midnight; still hours on the same day, at each whole hour.
  const midnight = untilMidnight(now) + 250;
  if (calendarDaysBetween(date, now) < 1) return Math.min(midnight, (Math.floor(age / HOUR) + 1) * HOUR - age + 250);
  return Math.min(HOUR, midnight);
}

/** A time of day for tooltips ("since 18:13:07"); without seconds for a minute-precision time. */
export function formatTimeOfDay(date: Date, locale?: string, precision: TimePrecision = precisionOf(date)): string {
  return formatDate(date, locale, { hour: '2-digit', minute: '2-digit', ...(precision === 'exact' ? { second: '2-digit' as const } : {}) });
}
