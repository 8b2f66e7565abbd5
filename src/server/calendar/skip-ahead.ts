/**
 * Where to start expanding a recurring event near the window being read, rather than at its
 * DTSTART (ical.js can only start a series there, kewisch/ical.js#148): walked from DTSTART one
 * occurrence at a time, a daily meeting begun years ago spent the occurrence caps of ics.ts on
 * its past and was read as over, or got its feed refused.
 */
import type ICAL from 'ical.js';

/**
 * Skipped occurrences end this long before the window at the latest: the skip is reckoned in
 * instants but made on the wall clock the rule runs on, and the two differ by the zone's change
 * of offset since the series began (an hour for daylight saving, a day at most).
 */
const SKIP_MARGIN_MS = 2 * 86_400_000;
const FREQ_SECONDS: Record<string, number> = { SECONDLY: 1, MINUTELY: 60, HOURLY: 3600, DAILY: 86_400, WEEKLY: 604_800 };
/** BY parts a skip keeps exact, with the span their pattern repeats over (BYDAY without an ordinal: a week). */
const PART_SECONDS: Record<string, number> = { BYDAY: 604_800, BYHOUR: 86_400, BYMINUTE: 3600, BYSECOND: 60 };

/**
 * Where to start expanding a recurring event so that what comes before `from` is not walked
 * through one occurrence at a time (ical.js can only start a series at its DTSTART): DTSTART
 * moved on by whole cycles, a cycle being a span the rule's occurrences repeat over exactly.
 * Null (start at DTSTART) for rules without one that is simple to tell: several RRULEs, RDATEs,
 * COUNT (its count would start again), MONTHLY/YEARLY, BYMONTH, BYMONTHDAY, BYSETPOS, BYDAY
 * with an ordinal. The occurrence at the new start may not be one of the rule's (ical.js always
 * yields the start); it ends before the window, so it makes nobody busy.
 */
export function skipAhead(event: ICAL.Event, from: number, instant: (t: ICAL.Time, prop: 'dtstart' | 'dtend') => number): ICAL.Time | null {
  const c = event.component;
  const rrules = c.getAllProperties('rrule');
  if (rrules.length !== 1 || c.hasProperty('rdate')) return null;
  const rule = rrules[0]!.getFirstValue() as ICAL.Recur;
  const unit = rule.freq ? FREQ_SECONDS[rule.freq] : undefined;
  if (!unit || rule.isByCount()) return null;
  let cycle = (rule.interval || 1) * unit;
  for (const [part, values] of Object.entries(rule.parts)) {
    const span = PART_SECONDS[part];
    if (!span || (part === 'BYDAY' && !(values as unknown[]).every((d) => /^(MO|TU|WE|TH|FR|SA|SU)$/.test(String(d))))) return null;
    cycle = lcm(cycle, span);
  }
  const start = event.startDate;
  if (start.isDate && cycle % 86_400 !== 0) return null;
  const startMs = instant(start, 'dtstart');
  const length = Math.max(0, instant(event.endDate, 'dtend') - startMs);
  const cycles = Math.floor((from - SKIP_MARGIN_MS - length - startMs) / (cycle * 1000));
  if (!(cycles >= 1)) return null;
  // The wall clock's fields, moved on (a day is always 86,400 s on it: no daylight saving there).
  const wall = new Date(0);
  wall.setUTCFullYear(start.year, start.month - 1, start.day);
  wall.setUTCHours(start.hour, start.minute, start.second);
  wall.setTime(wall.getTime() + cycles * cycle * 1000);
  const moved = start.clone();
  moved.year = wall.getUTCFullYear();
  moved.month = wall.getUTCMonth() + 1;
  moved.day = wall.getUTCDate();
  if (!start.isDate) {
    moved.hour = wall.getUTCHours();
    moved.minute = wall.getUTCMinutes();
    moved.second = wall.getUTCSeconds();
  }
  return moved;
}

function lcm(a: number, b: number): number {
  let [x, y] = [a, b];
  while (y) [x, y] = [y, x % y];
  return (a / x) * b;
}
