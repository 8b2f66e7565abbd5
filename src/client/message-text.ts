/**
 * A custom message as its viewer should read it. A calendar event's message names its end in
 * the owner's zone ("In a meeting until 15:00 UTC+1", right for anyone who reads only the text);
 * beside it the view has the end as an instant (`busy_until`) and the text without the time
 * (`busy_label`), so a viewer reads the end in their own zone and locale ("In a meeting until
 * 9:00 AM" in New York). Any other message is shown as sent.
 */
import type { View } from '../protocol/index.js';
import { dateFormat } from './date-format.js';

export interface MessageTimeOptions {
  /** The viewer's locale (default: the runtime's). */
  locale?: string | string[];
  /** The viewer's IANA time zone (default: the runtime's). */
  timeZone?: string;
  /** Now, to tell whether the end is another day in the viewer's zone (default: the clock). */
  now?: Date;
}

/** A calendar event's message in parts: its label ("In a meeting") and its end as the viewer reads it ("9:00 AM", "Tue 9:00 AM"). */
export interface BusyEnd {
  label: string;
  time: string;
  until: Date;
}

/** The calendar event's end of a view as the viewer reads it, or null when its message is not a calendar event's. */
export function busyEnd(view: Pick<View, 'custom_message' | 'busy_until' | 'busy_label'>, opts: MessageTimeOptions = {}): BusyEnd | null {
  const label = view.busy_label;
  const ms = typeof view.busy_until === 'string' ? Date.parse(view.busy_until) : NaN;
  if (!view.custom_message || typeof label !== 'string' || label === '' || !Number.isFinite(ms)) return null;
  const until = new Date(ms);
  const now = opts.now ?? new Date();
  const day = format(opts, { year: 'numeric', month: 'numeric', day: 'numeric' });
  const sameDay = day.format(until) === day.format(now);
  const time = format(opts, sameDay ? { hour: 'numeric', minute: '2-digit' } : { weekday: 'short', hour: 'numeric', minute: '2-digit' }).format(until);
  return { label, time, until };
}

/** The custom message as the viewer reads it ("In a meeting until 9:00 AM"), or null when there is none. */
export function customMessageText(view: Pick<View, 'custom_message' | 'busy_until' | 'busy_label'>, opts: MessageTimeOptions = {}): string | null {
  const end = busyEnd(view, opts);
  return end ? `${end.label} until ${end.time}` : (view.custom_message ?? null);
}

/** A kept formatter for the viewer's locale and zone (date-format.ts: a list shows many messages). */
function format(opts: MessageTimeOptions, fields: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return dateFormat(opts.locale, opts.timeZone ? { ...fields, timeZone: opts.timeZone } : fields);
}
