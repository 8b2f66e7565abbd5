/**
 * The Account page's "Signed-in devices": every live login of the account (GET
 * /users/me/sessions), this one marked, each other with a "Sign out" button, and "Sign out all
 * other devices". A device signed out here loses its token at once and its open pages are
 * signed out (their sockets close with 4000). Loading, error (with "Try again") and "no other
 * device" states; each action says what it did in the status line, and keyboard focus stays
 * in the list when the row it was on goes.
 */
import type { ApiClient, SessionInfo } from '../../client/api.js';
import { whileBusy } from '../lib/busy-button.js';
import { formatDate } from '../../client/date-format.js';
import { deviceName } from '../lib/device-name.js';
import { bdi, h, userText } from '../lib/dom.js';
import { errorMessage, isCodedError } from '../lib/error-messages.js';

export interface DevicesPanel {
  element: HTMLElement;
  /** Reads the list again (after a password change, say). */
  reload(): Promise<void>;
}

const signedInAt = (iso: string): string => formatDate(new Date(iso), undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

export function devicesPanel(api: Pick<ApiClient, 'listSessions' | 'endSession' | 'endOtherSessions'>, disposed: () => boolean): DevicesPanel {
  const title = h('h2', { id: 'devices-title', class: 'text-lg font-semibold text-white', tabindex: -1 }, 'Signed-in devices');
  const body = h('div', { class: 'grid gap-3', 'data-part': 'devices' });
  const status = h('p', { class: 'min-h-5 text-sm', role: 'status', 'data-part': 'devices-status' });
  const element = h('section', { class: 'beacon-card grid gap-3 p-5', 'aria-labelledby': 'devices-title' },
    title,
    h('p', { class: 'text-sm text-slate-300' }, 'Where your account is signed in now. Sign out any device you do not recognise, then change your password.'),
    body,
    status);
  /** Each load's number: an older load's answer, arriving after a newer one began, is dropped. */
  let loads = 0;

  const say = (text: string, state: 'done' | 'error'): void => {
    status.textContent = text;
    status.dataset.state = state;
  };

  async function reload(): Promise<void> {
    const load = ++loads;
    body.setAttribute('aria-busy', 'true');
    body.replaceChildren(h('p', { class: 'text-sm text-slate-300', 'data-state': 'loading' }, 'Loading your devices…'));
    let sessions: SessionInfo[];
    try {
      sessions = await api.listSessions();
    } catch (e) {
      if (disposed() || load !== loads) return;
      const retry = h('button', { type: 'button', class: 'beacon-btn-primary mt-3', 'data-action': 'retry-devices' }, 'Try again');
      retry.addEventListener('click', () => void reload().then(() => title.focus()));
      body.removeAttribute('aria-busy');
      body.replaceChildren(h('div', { class: 'beacon-empty', role: 'alert', 'data-state': 'error' }, h('p', {}, `Could not load your devices. ${errorMessage(e)}`), retry));
      return;
    }
    if (disposed() || load !== loads) return;
    body.removeAttribute('aria-busy');
    render(sessions);
  }

  function render(sessions: SessionInfo[]): void {
    const list = h('ul', { class: 'grid gap-2', 'aria-labelledby': 'devices-title', 'data-part': 'device-list' });
    const others = sessions.filter((s) => !s.current);
    for (const s of [...sessions.filter((x) => x.current), ...others]) list.append(row(s));
    const none = h('p', { class: 'text-sm text-slate-300', 'data-state': 'empty' }, 'No other device is signed in.');
    const all = h('button', { type: 'button', class: 'beacon-btn-danger', 'data-action': 'sign-out-others' }, 'Sign out all other devices');
    all.addEventListener('click', () => void whileBusy(all, signOutOthers));
    body.replaceChildren(list, others.length === 0 ? none : h('div', {}, all));
  }

  function row(s: SessionInfo): HTMLLIElement {
    const name = deviceName(s.user_agent);
    const since = signedInAt(s.created_at);
    // Kept current while the page stays open: "Last used just now", read once, went on saying so for hours.
    // The date in the reader's locale, isolated for bidi in the English words.
    const meta = s.current
      ? ['Signed in ', bdi(since)]
      : ['Signed in ', bdi(since), ' · ', h('beacon-relative-time', { datetime: s.last_used_at, prefix: 'Last used ' })];
    const li = h('li', { class: 'flex flex-wrap items-center justify-between gap-3 rounded-lg border border-slate-700 px-3 py-2', 'data-part': 'device', 'data-current': s.current },
      h('div', { class: 'grid min-w-0 gap-0.5' },
        h('p', { class: 'flex flex-wrap items-center gap-2 text-sm font-medium text-slate-100' },
          userText(name),
          s.current ? h('span', { class: 'rounded-full border border-sky-400 px-2 text-xs text-sky-100', 'data-part': 'this-device' }, 'This device') : null),
        h('p', { class: 'text-xs text-slate-400' }, ...meta)));
    if (!s.current) {
      const out = h('button', { type: 'button', class: 'beacon-btn', 'data-action': 'sign-out-device', 'aria-label': `Sign out ${name}, signed in ${since}` }, 'Sign out');
      out.addEventListener('click', () => void whileBusy(out, () => signOut(s, name, li)));
      li.append(out);
    }
    return li;
  }

  async function signOut(s: SessionInfo, name: string, li: HTMLLIElement): Promise<void> {
    try {
      await api.endSession(s.id);
      if (disposed()) return;
      say(`Signed out ${name}.`, 'done');
    } catch (e) {
      if (disposed()) return;
      // Gone already (it logged out, expired, or another page signed it out): off the list all the same.
      if (!(isCodedError(e) && e.code === 'NOT_FOUND')) return say(`Could not sign out ${name}. ${errorMessage(e)}`, 'error');
      say(`${name} was already signed out.`, 'done');
    }
    removeRow(li);
  }

  /** Takes the row off the list; focus goes to the next row's button, else the previous one's, else "no other device". */
  function removeRow(li: HTMLLIElement): void {
    const rows = [...body.querySelectorAll<HTMLLIElement>('li[data-part=device]')];
    const at = rows.indexOf(li);
    const next = [...rows.slice(at + 1), ...rows.slice(0, at).reverse()].find((r) => r.querySelector('button'));
    const hadFocus = li.contains(document.activeElement);
    li.remove();
    if (!body.querySelector('li button')) {
      body.querySelector('[data-action=sign-out-others]')?.parentElement?.replaceWith(h('p', { class: 'text-sm text-slate-300', 'data-state': 'empty' }, 'No other device is signed in.'));
      if (hadFocus) title.focus();
      return;
    }
    if (hadFocus) next?.querySelector('button')?.focus();
  }

  async function signOutOthers(): Promise<void> {
    try {
      const { signed_out } = await api.endOtherSessions();
      if (disposed()) return;
      say(signed_out === 1 ? 'Signed out 1 other device.' : `Signed out ${signed_out} other devices.`, 'done');
    } catch (e) {
      if (disposed()) return;
      return say(`Could not sign out your other devices. ${errorMessage(e)}`, 'error');
    }
    await reload();
    // The button is gone with the rows: focus stays in the section.
    if (!disposed()) title.focus();
  }

  return { element, reload };
}
