/**
 * Your calendar feed: connect one (errors next to the field), see when it was last read, or
 * remove it. Beacon reads the feed every 15 minutes: while the page stays open, the panel reads
 * its state again every minute (and at once when the tab is shown again), so "Last read …" and
 * a failed refresh are those of now, not of when the page opened. Says which zone its messages and its all-day and floating events use (the one
 * Beacon uses for you), and offers the browser's where that differs, so a calendar connected
 * from New York does not silently run in UTC.
 */
import type { ApiClient, CalendarInfo } from '../../client/api.js';
import { errorMessage, isCodedError } from '../lib/error-messages.js';
import { bdi, h } from '../lib/dom.js';
import { announce } from '../lib/form-errors.js';
import type { ScheduleZone } from '../lib/schedule-zone.js';
import { zoneOffer } from './zone-offer.js';

/** Renders the panel into `root`: the feed, then the zone it is read in (`zone`, the page's). */
export async function calendarPanel(root: HTMLElement, api: ApiClient, zone: ScheduleZone): Promise<void> {
  const feed = h('div', {}, ...Array.from(root.childNodes)); // its "Loading…" meanwhile
  root.replaceChildren(feed, zoneNote(zone));
  await feedPanel(feed, api);
}

/** The zone of the calendar's messages and of its events that name none, with the offer of the browser's. */
function zoneNote(zone: ScheduleZone): HTMLElement {
  const text = h('span', {});
  // To the field that sets it, in the status schedule above.
  const change = h('button', { type: 'button', class: 'beacon-link' }, 'Change time zone');
  change.addEventListener('click', () => {
    const field = document.getElementById('schedule-zone');
    field?.scrollIntoView({ block: 'center' });
    field?.focus();
  });
  const note = h('div', { class: 'mt-3 grid gap-2', hidden: true },
    h('p', { class: 'text-sm text-slate-400', 'data-part': 'calendar-zone' }, text, ' ', change), zoneOffer(zone));
  const render = (): void => {
    note.hidden = zone.saved === null;
    text.textContent = `Your calendar runs in ${zone.saved ?? ''}, the time zone of your status schedule: all-day events and events without a time zone of their own are read in it, and friends see when a meeting ends in it (“In a meeting until 15:00”).`;
  };
  zone.onChange(render);
  render();
  return note;
}

async function feedPanel(root: HTMLElement, api: ApiClient): Promise<void> {
  let info: CalendarInfo;
  try {
    info = await api.getCalendar();
  } catch (e) {
    const retry = h('button', { type: 'button', class: 'beacon-btn-primary mt-3' }, 'Retry');
    retry.addEventListener('click', () => void feedPanel(root, api));
    root.replaceChildren(h('div', { class: 'beacon-empty', role: 'alert', 'data-state': 'error' }, h('p', {}, `Could not load your calendar. ${errorMessage(e)}`), retry));
    return;
  }
  root.replaceChildren(info.configured ? connected(root, api, info) : connectForm(root, api));
}

/** How often an open panel reads the feed's state again (Beacon reads the feed every 15 minutes). */
const REREAD_MS = 60_000;

function connected(root: HTMLElement, api: ApiClient, info: CalendarInfo): HTMLElement {
  const remove = h('button', { type: 'button', class: 'beacon-btn-danger' }, 'Disconnect calendar');
  const status = h('p', { class: 'min-h-5 text-sm text-slate-300', role: 'status' });
  remove.addEventListener('click', () => {
    remove.disabled = true;
    api
      .removeCalendar()
      .then(() => feedPanel(root, api))
      .then(() => root.querySelector<HTMLElement>('input')?.focus())
      .catch((e: unknown) => {
        status.textContent = `Not removed: ${errorMessage(e)}`;
        remove.disabled = false;
      });
  });
  const summary = h('p', { class: 'text-sm text-slate-200', 'data-part': 'calendar-read' });
  const titles = h('p', { class: 'text-sm text-slate-400' });
  const failed = h('p', { class: 'text-sm text-amber-200', role: 'alert' });
  /** Says `next` (the feed's state as last read), touching only what changed: the alert speaks only of a new failure. */
  const show = (next: CalendarInfo): void => {
    // The date in the reader's locale, isolated for bidi in the English sentence.
    const read = next.refreshed_at ? ['Last read ', bdi(new Date(next.refreshed_at).toLocaleString()), '.'] : ['Not read yet.'];
    const said = [`Connected to ${next.host ?? 'your calendar'}. `, ...read];
    const text = said.map((part) => (typeof part === 'string' ? part : part.textContent)).join('');
    if (summary.textContent !== text) summary.replaceChildren(...said);
    const texts: Array<[HTMLElement, string]> = [
      [titles, next.share_titles ? 'Friends who see your message see event titles.' : 'Friends see “In a meeting”, never event titles.'],
      [failed, next.error ? `The last refresh failed: ${next.error}` : ''],
    ];
    for (const [el, text] of texts) if (el.textContent !== text) el.textContent = text;
    failed.hidden = !next.error;
  };
  show(info);
  const element = h('div', { class: 'grid gap-2', 'data-part': 'calendar-connected' }, summary, titles, failed, h('div', {}, remove), status);
  // Read again while shown; stops once the panel leaves the page (another page, or the feed removed here).
  const reread = (): void => {
    if (!element.isConnected) return stop();
    if (document.visibilityState !== 'visible') return;
    api.getCalendar().then(
      (next) => {
        if (!element.isConnected) return;
        // Removed from another device: offer to connect one again.
        if (!next.configured) return void feedPanel(root, api);
        show(next);
      },
      () => undefined, // Kept as shown: the next read tries again.
    );
  };
  const timer = setInterval(reread, REREAD_MS);
  const onVisible = (): void => {
    if (document.visibilityState === 'visible') reread();
  };
  document.addEventListener('visibilitychange', onVisible);
  const stop = (): void => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
  return element;
}

function connectForm(root: HTMLElement, api: ApiClient): HTMLElement {
  const url = h('input', { type: 'url', id: 'calendar-url', class: 'beacon-input w-full', required: true, placeholder: 'https://calendar.google.com/…/basic.ics', 'aria-describedby': 'calendar-url-hint calendar-url-error', autocomplete: 'off' });
  // Live: after Enter in the field focus stays there, and a focus that does not move says nothing.
  const error = h('p', { id: 'calendar-url-error', class: 'min-h-5 text-sm text-red-200', role: 'alert' });
  const titles = h('input', { type: 'checkbox', id: 'calendar-titles', class: 'size-4' });
  const submit = h('button', { type: 'submit', class: 'beacon-btn-primary' }, 'Connect calendar');
  const form = h('form', { class: 'grid gap-2', novalidate: true },
    h('label', { for: 'calendar-url', class: 'text-sm font-medium text-slate-100' }, 'Private calendar address (iCal)'),
    url,
    h('p', { id: 'calendar-url-hint', class: 'text-xs text-slate-400' }, 'Google: Settings → your calendar → “Secret address in iCal format”. Outlook: Publish calendar → ICS link. Beacon reads it every 15 minutes and shows you busy during events.'),
    error,
    h('label', { for: 'calendar-titles', class: 'flex items-center gap-2 text-sm text-slate-200' }, titles, 'Show event titles as my message'),
    h('div', {}, submit));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const fail = (text: string) => {
      announce(error, text);
      url.setAttribute('aria-invalid', 'true');
      url.focus();
    };
    if (url.value.trim() === '') return fail('Enter the address of your calendar feed.');
    submit.disabled = true;
    announce(error, '');
    url.removeAttribute('aria-invalid');
    api
      .setCalendar(url.value.trim(), titles.checked)
      .then(() => feedPanel(root, api))
      .then(() => root.querySelector<HTMLElement>('button')?.focus())
      .catch((e: unknown) => {
        // The server says why a feed cannot be used in words meant for the user ("must use https").
        fail(isCodedError(e) && e.code === 'VALIDATION_ERROR' ? e.message : errorMessage(e));
        submit.disabled = false;
      });
  });
  return form;
}
