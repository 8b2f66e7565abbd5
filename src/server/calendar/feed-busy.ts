/**
 * A feed's text to the busy intervals Beacon keeps: the events of the next HORIZON_MS read
 * by busyIntervals (ics.ts), merged where they overlap, each with its message. Pure and
 * synchronous; it runs in the calendar worker thread (ics-worker.ts): the message of each
 * interval costs as much as reading it (luxon, in the user's zone), and a feed may have
 * thousands.
 */
import { DateTime } from 'luxon';
import type { CalendarBusy } from '../presence/schedule.js';
import { busyIntervals, type BusyInterval } from './ics.js';

/** How far ahead a feed is read. */
export const HORIZON_MS = 48 * 3_600_000;

export interface FeedRead {
  ics: string;
  now: number;
  /** The user's time zone (floating times, all-day events and the messages' clock). */
  zone: string;
  /** Whether messages show event titles ("Budget review until 15:00") or "In a meeting". */
  shareTitles: boolean;
}

/** Busy intervals of the next HORIZON_MS. Throws FeedError (message for the user) or another Error (not iCalendar). */
export function feedBusy({ ics, now, zone, shareTitles }: FeedRead): CalendarBusy[] {
  return withMessages(merge(busyIntervals(ics, now, now + HORIZON_MS, zone)), zone, shareTitles, now);
}

/** Overlapping or touching events are one busy stretch (titled by its first event). */
function merge(intervals: readonly BusyInterval[]): BusyInterval[] {
  const out: BusyInterval[] = [];
  for (const b of intervals) {
    const last = out.at(-1);
    if (last && b.start <= last.end) last.end = Math.max(last.end, b.end);
    else out.push({ ...b });
  }
  return out;
}

/**
 * "In a meeting until 15:00 UTC+1" (or the event's title, if shared): the end in the user's
 * zone, with the weekday when it ends another day, and the zone's offset named, so the text is
 * right for any reader, whatever their zone. Beside it the bare `label` ("In a meeting"):
 * viewers get it with the end as an instant (View.busy_label, busy_until) and say the end in
 * their own zone and words.
 */
function withMessages(intervals: readonly BusyInterval[], zone: string, shareTitles: boolean, now: number): CalendarBusy[] {
  return intervals.map((b) => {
    const end = DateTime.fromMillis(b.end, { zone });
    const sameDay = end.hasSame(DateTime.fromMillis(Math.max(b.start, now), { zone }), 'day');
    const until = `${sameDay ? end.toFormat('HH:mm') : end.toFormat('ccc HH:mm')} ${offsetName(end)}`;
    const label = shareTitles && b.title ? b.title : 'In a meeting';
    return { start: b.start, end: b.end, message: `${label} until ${until}`.slice(0, 128), label };
  });
}

/** "UTC", "UTC+1", "UTC-3:30": the offset the zone has at that instant. */
function offsetName(at: DateTime): string {
  return at.offset === 0 ? 'UTC' : `UTC${at.toFormat('Z')}`;
}
