/** Schedule: automatic busy/away by time of day and by calendar, your own weekly pattern, and notifications (quiet during busy hours). */
import type { Page } from './page.js';
import { h } from '../lib/dom.js';
import { scheduleEditor } from './schedule-editor.js';
import { calendarPanel } from './calendar-panel.js';
import { historyHeatmap } from './history-heatmap.js';
import { notificationsPanel } from './notifications-panel.js';
import { ScheduleZone } from '../lib/schedule-zone.js';

const loading = (what: string) => h('p', { class: 'text-slate-400', role: 'status', 'data-state': 'loading' }, `Loading ${what}…`);

export const schedulePage: Page = (root, ctx) => {
  const section = (id: string, title: string, intro: string, body: HTMLElement) =>
    h('section', { class: 'beacon-panel p-4 sm:p-5', 'aria-labelledby': id },
      h('h2', { id, class: 'font-semibold text-white' }, title), h('p', { class: 'mb-3 text-sm text-slate-400' }, intro), body);
  const schedule = h('div', {}, loading('your schedule'));
  const calendar = h('div', {}, loading('your calendar'));
  const history = h('div', {}, loading('your history'));
  const notifications = h('div', {}, loading('your notification settings'));
  root.replaceChildren(h('div', { class: 'mx-auto grid max-w-3xl gap-4' },
    h('div', {}, h('h1', { class: 'text-xl font-bold text-white', tabindex: -1 }, 'Schedule'),
      h('p', { class: 'mt-1 text-sm text-slate-400' }, 'Be shown busy or away automatically. What you set by hand, and games, always come first.')),
    section('schedule-title', 'Status schedule', 'Recurring hours in your time zone, e.g. busy on weekdays from 09:00 to 17:00.', schedule),
    section('calendar-title', 'Calendar', 'Be shown busy during the events of your calendar.', calendar),
    section('history-title', 'Your week', 'When you were online over the last 4 weeks.', history),
    section('notifications-title', 'Notifications', 'Be told when the friends you follow come online, as far as they let you see.', notifications)));
  // The zone Beacon uses for the user, one for the page: the editor reads and saves it, the
  // calendar says it, and the week's hours are read again in a new one.
  const zone = new ScheduleZone(ctx.api);
  zone.onChange((_, previous) => {
    if (previous !== null) void historyHeatmap(history, ctx.api);
  });
  const left = new AbortController();
  void scheduleEditor(schedule, ctx.api, zone, { account: ctx.user.id, left: left.signal });
  void calendarPanel(calendar, ctx.api, zone);
  void historyHeatmap(history, ctx.api);
  void notificationsPanel(notifications, ctx.api, { client: ctx.client, signal: left.signal });
  return () => left.abort();
};
