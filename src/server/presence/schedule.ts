/**
 * Status schedules: recurring rules in the user's own IANA time zone ("weekdays 22:00–07:00
 * busy"). Pure: given a schedule and an instant, which rule holds and when that next
 * changes. Wall-clock times are resolved in the zone with luxon, so rules follow
 * daylight-saving changes (a 09:00 rule starts at 09:00 local time on both sides of a change).
 */
import { DateTime, IANAZone } from 'luxon';

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface ScheduleRule {
  /** The days the rule STARTS on; a rule whose `to` is not after `from` ends the next day. */
  days: Weekday[];
  /** Local start, "HH:MM". */
  from: string;
  /** Local end, "HH:MM". */
  to: string;
  status: 'away' | 'busy';
  /** Shown as the custom message while the rule holds, unless the user set one. */
  message: string | null;
}

export interface Schedule {
  timeZone: string;
  rules: ScheduleRule[];
}

/** What a schedule says at one instant. */
export interface ScheduleState {
  /**
   * The rule in force (busy wins over away; then the earlier rule), or null. A calendar event
   * also says when its busy stretch ends (`until`, ms) and its message without that time
   * (`label`): viewers say the end in their own zone (View.busy_until). Intervals stored before
   * labels were kept have none.
   */
  active: { status: 'away' | 'busy'; message: string | null; until?: number; label?: string } | null;
  /** The next instant (ms) at which that may change; Infinity for never. */
  nextChange: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Whether `zone` is an IANA time zone name this runtime knows. */
export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** Minutes since midnight of "HH:MM", or null when malformed. */
export function minutesOf(hhmm: string): number | null {
  const m = HHMM.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Occurrences of every rule that start on one of the days around `at`, as [start, end) instants. */
function occurrences(schedule: Schedule, at: number, daysBefore: number, daysAfter: number) {
  const out: Array<{ start: number; end: number; rule: ScheduleRule; index: number }> = [];
  const today = DateTime.fromMillis(at, { zone: schedule.timeZone }).startOf('day');
  for (let d = -daysBefore; d <= daysAfter; d++) {
    const day = today.plus({ days: d });
    schedule.rules.forEach((rule, index) => {
      if (!rule.days.includes(day.weekday as Weekday)) return;
      const from = minutesOf(rule.from);
      const to = minutesOf(rule.to);
      if (from === null || to === null || from === to) return;
      const start = localInstant(day, from);
      const end = localInstant(to > from ? day : day.plus({ days: 1 }), to);
      if (end > start) out.push({ start, end, rule, index });
    });
  }
  return out;
}

const MINUTE_MS = 60_000;

/**
 * The instant of a local wall-clock time on `day`. A time skipped by a DST change becomes the
 * first valid minute after it, the change itself (02:30 on a day Paris goes 02:00 → 03:00 is
 * 03:00): luxon moves it forward by the whole gap (03:30), so the change is looked for on the
 * minutes before, back to where the offset was the old one (no gap is longer than 3 hours).
 */
function localInstant(day: DateTime, minutes: number): number {
  const at = day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 });
  if (at.hour * 60 + at.minute === minutes) return at.toMillis();
  const offsetAt = (ms: number) => DateTime.fromMillis(ms, { zone: day.zone }).offset;
  let before = at.toMillis() - 180 * MINUTE_MS;
  let after = at.toMillis();
  while (after - before > MINUTE_MS) {
    const mid = before + Math.floor((after - before) / MINUTE_MS / 2) * MINUTE_MS;
    if (offsetAt(mid) === at.offset) after = mid;
    else before = mid;
  }
  return after;
}

/** What `schedule` says at `at`, and when to look again. */
/** What no schedule (or no calendar event) says: nothing, ever. Shared by every user without one (states are replaced, never mutated). */
const NOTHING: ScheduleState = Object.freeze({ active: null, nextChange: Infinity });

export function evaluateSchedule(schedule: Schedule | null, at: number): ScheduleState {
  if (!schedule || schedule.rules.length === 0) return NOTHING;
  // A rule lasts less than a day, so one day back covers overnight rules; 8 days ahead finds
  // the next boundary of any weekly rule.
  const all = occurrences(schedule, at, 1, 8);
  const holding = all.filter((o) => o.start <= at && at < o.end).sort((a, b) => rank(a.rule) - rank(b.rule) || a.index - b.index);
  let next = Infinity;
  for (const o of all) {
    if (o.start > at) next = Math.min(next, o.start);
    if (o.end > at) next = Math.min(next, o.end);
  }
  const rule = holding[0]?.rule;
  return { active: rule ? { status: rule.status, message: rule.message } : null, nextChange: next };
}

const rank = (rule: ScheduleRule): number => (rule.status === 'busy' ? 0 : 1);

/** A stretch of time a user's calendar makes them busy, with the message to show meanwhile. */
export interface CalendarBusy {
  start: number;
  end: number;
  /** "In a meeting until 15:00 UTC+1": the end in the user's zone, the offset named. */
  message: string;
  /** The message without its time ("In a meeting", or the event's title). Absent from intervals read before it was kept. */
  label?: string;
}

/** What the calendar says at `at`: busy during an interval, and when that next changes. */
export function evaluateCalendar(busy: readonly CalendarBusy[], at: number): ScheduleState {
  if (busy.length === 0) return NOTHING;
  let next = Infinity;
  let active: CalendarBusy | null = null;
  for (const b of busy) {
    if (b.start <= at && at < b.end && active === null) active = b;
    if (b.start > at) next = Math.min(next, b.start);
    if (b.end > at) next = Math.min(next, b.end);
  }
  return { active: active ? calendarActive(active) : null, nextChange: next };
}

function calendarActive(b: CalendarBusy): NonNullable<ScheduleState['active']> {
  return typeof b.label === 'string' ? { status: 'busy', message: b.message, until: b.end, label: b.label } : { status: 'busy', message: b.message };
}
