/**
 * Busy intervals from an iCalendar feed, pure: recurring events (RRULE, EXDATE, moved or
 * cancelled occurrences), time zones and all-day events, with Mozilla's ical.js. Time zones
 * come from the feed's own VTIMEZONEs (never registered globally, so one user's feed cannot
 * change how another's is read), else IANA names, else the user's zone for floating times.
 */
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { isTimeZone } from '../presence/schedule.js';
import { firstUnits, safeText } from '../../protocol/text.js';
import { ReadBudget } from './read-budget.js';
import { FeedError } from './safe-fetch.js';
import { skipAhead } from './skip-ahead.js';

export interface BusyInterval {
  start: number;
  end: number;
  /** The event's title (SUMMARY), shown only if the user opts in. */
  title: string | null;
}

/**
 * Occurrences expanded per recurring event at most (a feed cannot make us loop forever). They
 * are counted from where the expansion starts: a simple rule starts near the window
 * (skip-ahead.ts), so a daily stand-up that began years ago counts a few occurrences, not thousands.
 */
const MAX_OCCURRENCES = 2000;
/**
 * Occurrences expanded in the whole feed at most (~15 µs each, on the event loop every user
 * shares): beyond it the feed is refused. Without it a 25 KB feed of per-second recurrences
 * held the instance for seconds, a 2 MiB one for minutes.
 */
export const MAX_FEED_OCCURRENCES = 20_000;
/**
 * How long reading one feed's recurrences may take, in CPU time of the thread reading it
 * (read-budget.ts: a busy machine does not make a feed too long). ical.js looks for each next
 * occurrence in a loop of its own that nothing bounds: `FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30`
 * (in an event or a VTIMEZONE) never finds one, and held the event loop, and so every user, forever.
 */
export const MAX_READ_MS = 1000;
/**
 * The wall-clock cap of that read, whatever its CPU time: twice the budget, for a machine busy
 * enough that the reader gets half a core, and below the runner's hard deadline (HARD_DEADLINE_MS,
 * 3 s, ics-runner.ts), so that this bound answers first and the worker is not terminated.
 */
export const MAX_READ_WALL_MS = 2000;

/**
 * The one step of that loop (every frequency, events and time zones alike) checks the
 * budget of the read in progress; outside busyIntervals there is none (null).
 */
let budget: ReadBudget | null = null;
let steps = 0;
const iteratorProto = ICAL.RecurIterator.prototype;
const checkContracting = iteratorProto.check_contracting_rules;
iteratorProto.check_contracting_rules = function (this: ICAL.RecurIterator): boolean {
  if ((++steps & 255) === 0 && budget?.spent()) throw new FeedError('The calendar takes too long to read');
  return checkContracting.call(this);
};

/** Busy intervals overlapping [from, to), sorted by start. Throws on a feed that is not iCalendar. */
export function busyIntervals(ics: string, from: number, to: number, userZone: string): BusyInterval[] {
  budget = new ReadBudget(MAX_READ_MS, MAX_READ_WALL_MS);
  try {
    return read(ics, from, to, userZone);
  } finally {
    budget = null;
  }
}

function read(ics: string, from: number, to: number, userZone: string): BusyInterval[] {
  const root = new ICAL.Component(ICAL.parse(ics));
  if (root.name !== 'vcalendar') throw new Error('not an iCalendar feed');
  const zones = new Map<string, ICAL.Timezone>();
  for (const vtz of root.getAllSubcomponents('vtimezone')) {
    const tz = new ICAL.Timezone(vtz);
    if (tz.tzid) zones.set(tz.tzid, tz);
  }

  const masters = new Map<string, ICAL.Event>();
  const exceptions: ICAL.Event[] = [];
  for (const vevent of root.getAllSubcomponents('vevent')) {
    // `exceptions: []`: without it each Event scans every VEVENT of the feed for exceptions
    // (quadratic: a 2 MiB feed held the event loop for half a minute) and takes any
    // RECURRENCE-ID, whatever its UID; exceptions are related below, by UID.
    const event = new ICAL.Event(vevent, { exceptions: [] });
    if (event.isRecurrenceException()) exceptions.push(event);
    else masters.set(event.uid, event);
  }
  for (const ex of exceptions) {
    const master = masters.get(ex.uid);
    if (master) master.relateException(ex);
    else masters.set(`${ex.uid}#${ex.recurrenceId?.toString() ?? ''}`, ex);
  }

  const out: BusyInterval[] = [];
  let expanded = 0;
  /** The instant of a component's start or end (an end without a zone of its own is in the start's). */
  const at = (component: ICAL.Component, t: ICAL.Time, prop: 'dtstart' | 'dtend') =>
    toInstant(t, (prop === 'dtend' ? tzidOf(component, 'dtend') : undefined) ?? tzidOf(component, 'dtstart'), zones, userZone);
  const add = (component: ICAL.Component, start: ICAL.Time, end: ICAL.Time) => {
    if (!blocksTime(component)) return;
    const s = at(component, start, 'dtstart');
    const e = at(component, end, 'dtend');
    if (e > from && s < to && e > s) out.push({ start: s, end: e, title: summaryOf(component) });
  };
  for (const event of masters.values()) {
    if (!event.isRecurring()) {
      add(event.component, event.startDate, event.endDate);
      continue;
    }
    const skipTo = skipAhead(event, from, (t, prop) => at(event.component, t, prop));
    // Occurrences skipped may have been moved (RECURRENCE-ID), into the window even.
    if (skipTo) for (const ex of Object.values(event.exceptions)) if (ex.recurrenceId.compare(skipTo) < 0) add(ex.component, ex.startDate, ex.endDate);
    const it = event.iterator(skipTo ?? undefined);
    for (let i = 0, next = it.next(); next && i < MAX_OCCURRENCES; i++, next = it.next()) {
      if (++expanded > MAX_FEED_OCCURRENCES) throw new FeedError('The calendar has too many recurring events to read');
      if (budget?.spent()) throw new FeedError('The calendar takes too long to read');
      const details = event.getOccurrenceDetails(next);
      if (at(details.item.component, details.startDate, 'dtstart') >= to) break;
      add(details.item.component, details.startDate, details.endDate);
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Cancelled and "free" (TRANSP:TRANSPARENT) events do not make anyone busy. */
function blocksTime(c: ICAL.Component): boolean {
  const status = String(c.getFirstPropertyValue('status') ?? '').toUpperCase();
  const transp = String(c.getFirstPropertyValue('transp') ?? 'OPAQUE').toUpperCase();
  return status !== 'CANCELLED' && transp !== 'TRANSPARENT';
}

function summaryOf(c: ICAL.Component): string | null {
  const s = c.getFirstPropertyValue('summary');
  // Shown to friends as a message: a feed's line breaks and bidi controls become spaces (protocol/text.ts).
  const text = typeof s === 'string' ? safeText(s).trim() : '';
  // Cut at 100 UTF-16 units, never through an emoji (half of one would reach friends as U+FFFD).
  return text !== '' ? firstUnits(text, 100) : null;
}

/** The TZID parameter of a date property (ical.js drops it from times whose zone is not registered). */
function tzidOf(c: ICAL.Component, prop: 'dtstart' | 'dtend'): string | undefined {
  const tzid = c.getFirstProperty(prop)?.getParameter('tzid');
  return typeof tzid === 'string' ? tzid : undefined;
}

/** The instant of an iCalendar time: UTC as is, a feed zone by its rules, an IANA zone, else the user's. */
function toInstant(t: ICAL.Time, tzidParam: string | undefined, zones: Map<string, ICAL.Timezone>, userZone: string): number {
  if (!t.isDate && t.zone === ICAL.Timezone.utcTimezone) return t.toUnixTime() * 1000;
  const tzid = t.isDate ? undefined : tzidParam;
  const feedZone = tzid ? zones.get(tzid) : undefined;
  if (feedZone) {
    const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
    return wall - feedZone.utcOffset(t) * 1000;
  }
  const zone = tzid && isTimeZone(tzid) ? tzid : userZone;
  return DateTime.fromObject({ year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second }, { zone }).toMillis();
}
