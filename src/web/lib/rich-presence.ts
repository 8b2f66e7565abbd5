/**
 * The activity line of a friend card, Discord/Steam style: "Playing Pong vs bob · 3–2 ·
 * Ranked · 12 min". Pure (injected `now`) so it is unit-tested; <beacon-elapsed-time> keeps
 * the running time current (elapsedChangeIn says when it next changes).
 */
import type { View } from './label-types.js';
import { ACTIVITY_LABEL } from './labels.js';
import { richPresence } from '../../client/presence-types.js';
import { formatExact, formatTimeOfDay, precisionOf } from './relative-time.js';
import { isolated } from './dom.js';

/** Activities whose duration is worth showing (a match, not "Browsing for 3 h"). */
const TIMED: ReadonlySet<string> = new Set(['playing_pong', 'in_tournament', 'watching_match', 'chatting']);

/**
 * "just started", "12 min", "1 h 05 min", "3 h", then from a day on "1 d", "1 d 3 h" (a match
 * or chat left running: "27 h" made the reader do the sum). Every unit is floored: never more
 * than has passed. Past a day the minutes are dropped, as seconds are past a minute.
 */
export function formatElapsed(ms: number): string {
  const min = Math.floor(Math.max(0, ms) / 60_000);
  if (min < 1) return 'just started';
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h >= 24) {
    const d = Math.floor(h / 24);
    return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
  }
  const m = min % 60;
  return m === 0 ? `${h} h` : `${h} h ${String(m).padStart(2, '0')} min`;
}

/**
 * How long an activity that began at `since` has run, as formatElapsed says it. Friends get
 * `activity_since` floored to the minute (protocol §9, relative-time.ts): the start is somewhere
 * in the minute after it, so only `now - since - 1 min` is sure to have passed. Counted from
 * there, as formatElapsed floors to "at least N min" and the friend's line must never say
 * more than has passed (the user's own, exact view said "just started" 9 s in while a friend's said "1 min").
 */
export function elapsedSince(since: Date, now: Date): string {
  const age = now.getTime() - since.getTime();
  return formatElapsed(precisionOf(since) === 'minute' ? age - 60_000 : age);
}

/**
 * How long (ms) until what elapsedSince and sinceTitle say of `since` may change: the next whole
 * minute of the counted time, or the viewer's midnight (when the tooltip gains the date), a
 * quarter second late so the text has surely moved on.
 */
export function elapsedChangeIn(since: Date, now: Date): number {
  const age = now.getTime() - since.getTime() - (precisionOf(since) === 'minute' ? 60_000 : 0);
  const toMinute = age < 0 ? 60_000 - age : 60_000 - (age % 60_000);
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).getTime() - now.getTime();
  return Math.min(toMinute, midnight) + 250;
}

/**
 * When an activity began, as the viewer reads it: "14:02:07" for a start earlier today, and with
 * the date, "Fri, 4 Dec 2026, 18:13:07", for one on an earlier day (a match or chat left running
 * overnight: the time alone read as this evening's). Today is `now`'s calendar day in the viewer's
 * time zone; pass the server's clock (server-time.ts), not the device's, which may be a day off.
 * Without seconds for a friend's start, known only to the minute.
 */
export function sinceTime(since: Date, now: Date, locale?: string): string {
  const precision = precisionOf(since);
  const today = since.getFullYear() === now.getFullYear() && since.getMonth() === now.getMonth() && since.getDate() === now.getDate();
  return today ? formatTimeOfDay(since, locale, precision) : formatExact(since, locale, precision);
}

/**
 * The elapsed time's tooltip, "since 18:13:07" (sinceTime), the time isolated for bidi (FSI …
 * PDI: a right-to-left locale's date keeps its order inside the English words).
 */
export function sinceTitle(since: Date, now: Date, locale?: string): string {
  return `since ${isolated(sinceTime(since, now, locale))}`;
}

export interface ActivityLine {
  /** "Playing Pong vs bob" */
  title: string;
  /** Further parts: score, mode. */
  details: string[];
  /** "12 min", or null when the start time is unknown. */
  elapsed: string | null;
  since: Date | null;
}

/** Null when there is no activity to show (offline, or hidden by the friend's privacy). */
export function activityLine(view: View, now: Date): ActivityLine | null {
  if (!view.activity || view.status === 'offline') return null;
  const rich = richPresence(view);
  const title = rich.opponent ? `${ACTIVITY_LABEL[view.activity]} vs ${rich.opponent}` : ACTIVITY_LABEL[view.activity];
  const details = [rich.score, rich.mode].filter((x): x is string => x !== null);
  const since = TIMED.has(view.activity) ? rich.since : null;
  const elapsed = since ? elapsedSince(since, now) : null;
  return { title, details, elapsed, since };
}

/**
 * The exact moments the card gives only as relative text with a tooltip, in words for the
 * friend's menu (keyboard and touch users get no tooltip): "Last seen Mon, 7 Dec 2026, 14:02",
 * "Playing Pong since Mon, 7 Dec 2026, 14:02". To the minute for a friend's floored times; null
 * when the card shows neither (online with no timed activity, or only an approximate last seen).
 */
export function exactTimeText(view: View, locale?: string): string | null {
  const parts = exactTimeParts(view, locale);
  return parts ? `${parts.lead}${parts.time}` : null;
}

/** exactTimeText in two parts: the words ("Last seen ") and the moment in the viewer's locale, which a page isolates for bidi. */
export function exactTimeParts(view: View, locale?: string): { lead: string; time: string } | null {
  if (view.status === 'offline') {
    const seen = view.last_seen ? new Date(view.last_seen) : null;
    return seen && !Number.isNaN(seen.getTime()) ? { lead: 'Last seen ', time: formatExact(seen, locale, precisionOf(seen)) } : null;
  }
  if (!view.activity || !TIMED.has(view.activity)) return null;
  const since = richPresence(view).since;
  return since ? { lead: `${ACTIVITY_LABEL[view.activity]} since `, time: formatExact(since, locale, precisionOf(since)) } : null;
}
