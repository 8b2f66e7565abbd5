/**
 * Busy intervals from an iCalendar feed, pure: recurring events (RRULE, EXDATE, moved or
 * cancelled occurrences), time zones and all-day events, with Mozilla's ical.js. Time zones
 * come from the feed's own VTIMEZONEs (never registered globally, so one user's feed cannot
 * change how another's is read), else IANA names, else the user's zone for floating times.
 */
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { isTimeZone } from '../presence/schedule.js';

export interface BusyInterval {
  start: number;
  end: number;
  /** The event's title (SUMMARY), shown only if the user opts in. */
  title: string | null;
}

/** Occurrences expanded per recurring event at most (a feed cannot make us loop forever). */
const MAX_OCCURRENCES = 2000;

/** Busy intervals overlapping [from, to), sorted by start. Throws on a feed that is not iCalendar. */
export function busyIntervals(ics: string, from: number, to: number, userZone: string): BusyInterval[] {
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
    const event = new ICAL.Event(vevent);
    if (event.isRecurrenceException()) exceptions.push(event);
    else masters.set(event.uid, event);
  }
  for (const ex of exceptions) {
    const master = masters.get(ex.uid);
    if (master) master.relateException(ex);
    else masters.set(`${ex.uid}#${ex.recurrenceId?.toString() ?? ''}`, ex);
  }

  const out: BusyInterval[] = [];
  const add = (component: ICAL.Component, start: ICAL.Time, end: ICAL.Time) => {
    if (!blocksTime(component)) return;
    const s = toInstant(start, tzidOf(component, 'dtstart'), zones, userZone);
    const e = toInstant(end, tzidOf(component, 'dtend') ?? tzidOf(component, 'dtstart'), zones, userZone);
    if (e > from && s < to && e > s) out.push({ start: s, end: e, title: summaryOf(component) });
  };
  for (const event of masters.values()) {
    if (!event.isRecurring()) {
      add(event.component, event.startDate, event.endDate);
      continue;
    }
    const it = event.iterator();
    for (let i = 0, next = it.next(); next && i < MAX_OCCURRENCES; i++, next = it.next()) {
      const details = event.getOccurrenceDetails(next);
      if (toInstant(details.startDate, tzidOf(details.item.component, 'dtstart'), zones, userZone) >= to) break;
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
  return typeof s === 'string' && s.trim() !== '' ? s.trim().slice(0, 100) : null;
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
