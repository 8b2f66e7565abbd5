/**
 * A friend's custom message as the page shows it: a calendar event's with its end in the
 * viewer's own zone and locale ("In a meeting until 9:00 AM", not the owner's "15:00 UTC+1"),
 * the time isolated for bidi (`<bdi>`: a right-to-left locale's time keeps its order inside
 * the sentence); any other message as sent. Shared by the web app and the drop-in elements.
 */
import { busyEnd, type MessageTimeOptions } from '../../client/message-text.js';
import type { View } from '../../protocol/index.js';
import { h, isolated } from './dom.js';

export interface ShownMessage {
  /** The whole text ("In a meeting until 9:00 AM"), for titles: the time isolated for bidi (FSI … PDI, dom.ts isolated). */
  text: string;
  /** The same as nodes, the time in a `<bdi>`. */
  parts: Array<Node | string>;
  /**
   * A calendar event's end, or null: its text names the day relative to today ("until Tue
   * 8:00 PM", then "until 8:00 PM" on Tuesday), so whoever shows it draws it again at midnight
   * (lib/as-of.ts eachMidnight).
   */
  until: Date | null;
}

/** What to show of the view's custom message, or null when it has none. */
export function shownMessage(view: Pick<View, 'custom_message' | 'busy_until' | 'busy_label'>, opts: MessageTimeOptions = {}): ShownMessage | null {
  if (!view.custom_message) return null;
  const end = busyEnd(view, opts);
  if (!end) return { text: view.custom_message, parts: [view.custom_message], until: null };
  const time = h('bdi', { 'data-part': 'message-until', 'data-until': end.until.toISOString() }, end.time);
  return { text: `${end.label} until ${isolated(end.time)}`, parts: [end.label, ' until ', time], until: end.until };
}
