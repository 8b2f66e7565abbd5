/**
 * Notifications settings: push in this browser (on/off, with why it cannot be on), how often
 * one friend may notify you, and the friends you follow ("Notify me when online" is set from
 * each friend's menu). Quiet hours are the busy hours of your schedule, just above. The
 * followed list follows the friends while the page is open: renames, and unfriending or
 * blocking (which ends the watch on the server). Each friend is named with their @username
 * (display names are not unique), their text contained (`userText`).
 */
import type { ApiClient, NotificationSettings, Watch } from '../../client/api.js';
import type { PresenceClient } from '../../client/presence-client.js';
import { errorMessage } from '../lib/error-messages.js';
import { h, userText } from '../lib/dom.js';
import { nameWithUsername } from '../lib/labels.js';
import { disablePush, enablePush, pushState, type PushState } from '../lib/push.js';

const PERIODS = [5, 15, 30, 60, 120, 240, 720, 1440];
const periodLabel = (m: number) => (m < 60 ? `${m} minutes` : m === 60 ? '1 hour' : `${m / 60} hours`);

const PUSH_TEXT: Record<PushState, string> = {
  unsupported: 'This browser cannot show notifications when Beacon is closed. You still see them here while Beacon is open.',
  denied: 'Notifications are blocked for Beacon in this browser. Allow them in the site settings of your browser, then come back.',
  off: 'Off in this browser: you see notifications only while Beacon is open.',
  on: 'On in this browser: you are notified even when Beacon is closed.',
};

/** Where the followed list hears of friends' changes, until `signal` aborts (the page is left). */
export interface FriendsFeed {
  client: Pick<PresenceClient, 'on'>;
  signal: AbortSignal;
}

export async function notificationsPanel(root: HTMLElement, api: ApiClient, feed: FriendsFeed): Promise<void> {
  let settings: NotificationSettings;
  let watches: Watch[];
  try {
    [settings, watches] = await Promise.all([api.notificationSettings(), api.watches()]);
  } catch (e) {
    const retry = h('button', { type: 'button', class: 'beacon-btn-primary mt-3' }, 'Retry');
    retry.addEventListener('click', () => void notificationsPanel(root, api, feed));
    root.replaceChildren(h('div', { class: 'beacon-empty', role: 'alert', 'data-state': 'error' }, h('p', {}, `Could not load your notification settings. ${errorMessage(e)}`), retry));
    return;
  }
  const saved = settings.push_endpoints;
  root.replaceChildren(h('div', { class: 'grid gap-5', 'data-part': 'notifications' }, await browserPush(api, saved), period(api, settings), following(api, watches, feed)));
}

/** `saved`: the endpoints the server keeps for the account (see pushState). */
async function browserPush(api: ApiClient, saved: readonly string[]): Promise<HTMLElement> {
  const text = h('p', { class: 'text-sm text-slate-200', 'data-part': 'push-state' });
  const button = h('button', { type: 'button', class: 'beacon-btn-primary', 'data-part': 'push-toggle' });
  const error = h('p', { class: 'min-h-5 text-sm text-red-200', role: 'alert' });
  const render = (state: PushState) => {
    text.textContent = PUSH_TEXT[state];
    button.hidden = state === 'unsupported' || state === 'denied';
    button.textContent = state === 'on' ? 'Turn off in this browser' : 'Turn on in this browser';
    button.dataset.state = state;
  };
  render(await pushState(saved).catch((): PushState => 'unsupported'));
  button.addEventListener('click', () => {
    button.disabled = true;
    error.textContent = '';
    (button.dataset.state === 'on' ? disablePush(api) : enablePush(api))
      .then(render, (e: unknown) => (error.textContent = `Not changed: ${errorMessage(e)}`))
      .finally(() => {
        button.disabled = false;
        button.focus();
      });
  });
  return h('div', { class: 'grid gap-2' }, h('h3', { class: 'text-sm font-semibold text-slate-100' }, 'This browser'), text, h('div', {}, button), error);
}

function period(api: ApiClient, settings: NotificationSettings): HTMLElement {
  const options = PERIODS.includes(settings.period_minutes) ? PERIODS : [...PERIODS, settings.period_minutes].sort((a, b) => a - b);
  const select = h('select', { id: 'notify-period', class: 'beacon-input w-full sm:w-60', 'aria-describedby': 'notify-period-hint', 'data-part': 'period' },
    ...options.map((m) => h('option', { value: m, selected: m === settings.period_minutes }, periodLabel(m))));
  const status = h('p', { class: 'min-h-5 text-sm text-slate-300', role: 'status' });
  select.addEventListener('change', () => {
    status.textContent = 'Saving…';
    api.setNotificationPeriod(Number(select.value)).then(
      (s) => (status.textContent = `Saved: at most one notification per friend every ${periodLabel(s.period_minutes)}.`),
      (e: unknown) => (status.textContent = `Not saved: ${errorMessage(e)}`),
    );
  });
  return h('div', { class: 'grid gap-1.5' },
    h('label', { for: 'notify-period', class: 'text-sm font-semibold text-slate-100' }, 'At most one per friend every'),
    select,
    h('p', { id: 'notify-period-hint', class: 'text-xs text-slate-400' }, 'You are never notified while you are busy, nor during the busy hours of your schedule (quiet hours).'),
    status);
}

function following(api: ApiClient, watches: Watch[], feed: FriendsFeed): HTMLElement {
  const status = h('p', { class: 'min-h-5 text-sm text-slate-300', role: 'status' });
  const list = h('ul', { class: 'grid gap-2', 'data-part': 'watches' });
  const empty = h('p', { class: 'beacon-empty text-sm', 'data-state': 'empty' }, 'You follow no one yet. Open a friend’s ⋯ menu and choose “Notify me when online”.');
  const render = () => {
    list.replaceChildren(...watches.map((w) => {
      const stop = h('button', { type: 'button', class: 'beacon-btn px-2 py-1 text-xs' }, h('span', { class: 'min-w-0' }, 'Stop notifying about ', userText(nameWithUsername(w))));
      stop.addEventListener('click', () => {
        stop.disabled = true;
        api.unwatch(w.user_id).then(
          () => {
            watches = watches.filter((x) => x.user_id !== w.user_id);
            status.replaceChildren('You will no longer be notified when ', userText(nameWithUsername(w)), ' comes online.');
            render();
          },
          (e: unknown) => {
            stop.disabled = false;
            status.textContent = `Not changed: ${errorMessage(e)}`;
          },
        );
      });
      return h('li', { class: 'flex items-center justify-between gap-3 text-sm text-slate-200' },
        h('span', { class: 'min-w-0' }, userText(w.display_name), ' ', h('span', { class: 'text-slate-400' }, userText(`@${w.username}`))), stop);
    }));
    list.hidden = watches.length === 0;
    empty.hidden = watches.length > 0;
  };
  render();
  if (!feed.signal.aborted) {
    const offs = [
      feed.client.on('friend', ({ view }) => {
        const w = watches.find((x) => x.user_id === view.user_id);
        if (!w || (w.display_name === view.display_name && w.username === view.username)) return;
        watches = watches.map((x) => (x === w ? { ...x, display_name: view.display_name, username: view.username } : x));
        render();
      }),
      feed.client.on('friend_removed', ({ friendId }) => {
        const w = watches.find((x) => x.user_id === friendId);
        if (!w) return;
        watches = watches.filter((x) => x !== w);
        status.replaceChildren(userText(nameWithUsername(w)), ' is no longer your friend: you no longer follow them.');
        render();
      }),
    ];
    feed.signal.addEventListener('abort', () => offs.forEach((off) => off()), { once: true });
  }
  return h('div', { class: 'grid gap-2' }, h('h3', { class: 'text-sm font-semibold text-slate-100' }, 'Friends you follow'), list, empty, status);
}
