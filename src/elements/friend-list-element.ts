/**
 * <beacon-friend-list>: the signed-in user's friends, live. Each row is a button (dot,
 * name, status in words, message) that dispatches `beacon-friend-select`; an empty list
 * offers `beacon-find-friends` instead of a link. Loading, empty, error and not-live
 * states are shown in words; changes of status are announced politely to screen readers,
 * those of one moment together (web/lib/live-announcer.ts).
 * Attribute `filter="online"` hides offline friends. Changes are drawn at most once per frame,
 * redrawing only the rows that changed and moving only those whose place changed; the row with
 * keyboard focus, else the one under the mouse, stays where it is on screen, and the focused one
 * is not moved (the others move around it).
 *
 * Offline means one of three things, each said as it is: Beacon unreachable (the client
 * keeps trying; "Retry now" tries at once; when Beacon was reached but refused the connection
 * saying why, `client.unavailableReason`, that is said instead: the site's friend list
 * unavailable, or Beacon itself), the sign-in refused or ended (the client
 * stopped for good: the page must sign the user in again; no retry offered, it could not
 * work), or the connection ended (`disconnect()`, signed out).
 *
 * While the list is not live (reconnecting, polling, offline, stopped) its rows are the last
 * known statuses and are shown as such, as <beacon-status> shows one: grey dots of the status's
 * shape (`dot dot-stale`, `--beacon-color-stale`), each row's words ending "(last known, as of
 * 14:02)" for screen readers, and `data-stale` on the host and on each row.
 */
import type { ConnectionState, PresenceClient, StopReason, UnavailableReason, View } from '../client/index.js';
import { bdi, h } from '../web/lib/dom.js';
import type { ConnectionLabel } from '../web/lib/label-types.js';
import { CONNECTION_LABEL, connectionLabel, describeActivity, STATUS_SHORT } from '../web/lib/labels.js';
import { announceChange, visibleFriends } from '../web/lib/status-order.js';
import { LiveAnnouncer } from '../web/lib/live-announcer.js';
import { NextFrame } from '../web/lib/next-frame.js';
import { placeRows } from '../web/lib/row-order.js';
import { keepInPlace } from '../web/lib/keep-in-place.js';
import { shownMessage } from '../web/lib/shown-message.js';
import { asOfTime, eachMidnight, NextDay } from '../web/lib/as-of.js';
import { BeaconElement } from './beacon-element.js';
import type { BeaconConnection } from './connection.js';
import { emit, FIND_FRIENDS, FRIEND_SELECT, type FriendSelectDetail } from './events.js';
import { statusDot, statusToken } from './status-dot.js';

const CSS = `
ul { list-style: none; margin: 0; padding: 0; display: grid; gap: calc(var(--_space) * 0.5); }
.friend {
  display: grid; grid-template-columns: auto 1fr; column-gap: var(--_space); align-items: center;
  width: 100%; text-align: start; border: 1px solid var(--_border); border-radius: var(--_radius);
  background: var(--_surface); padding: var(--_space);
}
.friend:hover { background: var(--_hover); }
.name { font-weight: 600; overflow-wrap: anywhere; }
.label, .message, .details { grid-column: 2; font-size: 0.875em; overflow-wrap: anywhere; }
.message { font-style: italic; }
.live-note { font-size: 0.875em; margin: 0 0 var(--_space); }
[part=retry][aria-disabled=true] { opacity: 0.6; cursor: progress; }
`;

export class BeaconFriendListElement extends BeaconElement {
  static observedAttributes = ['filter'];

  /** Registers the element (idempotent); `tag` allows another name. */
  static define(tag = 'beacon-friend-list', registry = customElements): typeof BeaconFriendListElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #note = h('p', { class: 'live-note muted', role: 'status', part: 'connection' });
  #live = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  /** Changes of one moment said together, none replacing another before it was said. */
  #announcer = new LiveAnnouncer((text) => (this.#live.textContent = text));
  #body = h('div');
  #rows = new Map<number, HTMLLIElement>();
  /** The view each row was drawn from: a row whose friend did not change is not drawn again. */
  #drawn = new Map<number, View>();
  /** What each row says of its status not being live ("last known, as of 14:02"), or null while live. */
  #marks = new Map<number, string | null>();
  /** Friends whose rows the next render flashes. */
  #flashes = new Set<number>();
  /** The next frame's render: a burst of changes is drawn once a frame, not once each. */
  #frame: NextFrame | null = null;
  #list = h('ul', { part: 'list', 'aria-label': 'Friends' });
  /** "Could not reach Beacon" with "Retry now": one node, so focus stays on the button across a retry. */
  #unreachable: { box: HTMLElement; text: HTMLElement; retry: HTMLButtonElement } | null = null;
  /** "Retry now" was pressed and that attempt has not failed yet. */
  #retrying = false;

  constructor() {
    super(CSS);
    this.root.append(this.#note, this.#live, this.#body);
  }

  attributeChangedCallback(): void {
    this.refresh();
  }

  protected bind(connection: BeaconConnection | null): Array<() => void> {
    // What the last connection's user was told is none of the next one's (a shared computer),
    // nor news once signed out.
    this.#live.textContent = '';
    if (!connection) {
      this.#rows.clear();
      this.#drawn.clear();
      this.#marks.clear();
      this.#note.hidden = true;
      this.removeAttribute('data-stale');
      // Not bound to any client: say so, rather than the state of one this element no longer follows.
      this.dataset.connection = 'offline';
      this.#show(this.#state('Not connected to Beacon.', 'disconnected'), 'disconnected');
      return [];
    }
    const { client } = connection;
    this.#retrying = false;
    const render = (): void => {
      frame.cancel();
      this.#render(client, client.friends(), client.state, client.self !== null, client.lastSyncAt);
      // Not live: drawn again after midnight, when the note's and rows' "as of" need the date.
      if (client.state === 'connected') nextDay.disarm();
      else nextDay.arm();
    };
    const frame = new NextFrame(render);
    const nextDay = new NextDay(render);
    this.#frame = frame;
    render();
    return [
      () => this.#announcer.dispose(),
      () => frame.cancel(),
      () => nextDay.disarm(),
      // "until Tue 8:00 PM" reads "until 8:00 PM" from Tuesday on: those rows are drawn again then.
      eachMidnight(() => {
        for (const [id, view] of this.#drawn) if (shownMessage(view)?.until) this.#drawn.delete(id);
        render();
      }),
      client.on('friends', () => frame.request()),
      client.on('state', render),
      // A stop while already offline changes no state, but what is said (it no longer retries).
      client.on('stopped', render),
      client.on('synced', render),
      client.on('friend', ({ view, previous }) => this.#announce(view, previous)),
    ];
  }

  #render(client: PresenceClient, friends: View[], state: ConnectionState, loaded: boolean, syncedAt: number | null): void {
    const stopped = state === 'offline' ? client.stopReason : null;
    const unavailable = state === 'offline' && stopped === null ? client.unavailableReason : null;
    this.#renderNote(state, connectionLabel(client), stopped, loaded, syncedAt, unavailable);
    if (loaded || friends.length > 0 || stopped !== null || state === 'offline') this.#retrying = false;
    if (!loaded && friends.length === 0) {
      if (stopped === 'unauthorized') return this.#show(this.#refusedState(client.noToken), 'error');
      if (stopped === 'stopped') return this.#show(this.#state('Not connected to Beacon: the connection was ended (signed out).', 'disconnected'), 'disconnected');
      if (state === 'offline') return this.#show(this.#unreachableState(false, unavailable), 'error');
      // Trying again after "Retry now": the same box, so keyboard focus stays on its button.
      if (this.#retrying) return this.#show(this.#unreachableState(true, client.unavailableReason), 'loading');
      return this.#show(this.#state('Loading friends…', 'loading'), 'loading');
    }
    if (friends.length === 0) return this.#show(this.#emptyState(), 'empty');
    const shown = visibleFriends(friends, this.getAttribute('filter') === 'online');
    if (shown.length === 0) return this.#show(this.#state('None of your friends are online right now.', 'empty'), 'empty');
    const keep = new Set(shown.map((v) => v.user_id));
    for (const id of this.#rows.keys()) {
      if (keep.has(id)) continue;
      this.#rows.delete(id);
      this.#drawn.delete(id);
      this.#marks.delete(id);
    }
    const mark = state === 'connected' ? null : syncedAt === null ? 'last known' : `last known, as of ${asOfTime(syncedAt)}`;
    this.toggleAttribute('data-stale', mark !== null);
    const rows = shown.map((view) => this.#row(view, mark));
    // The row the user is on stays where it is on screen: the one holding keyboard focus, else
    // the one under the mouse. The focused one is not moved either (moving a node blurs it, and
    // focus would fall to the page body): the others move around it.
    const focus = this.root.activeElement;
    const pinned = (focus && rows.find((row) => row.contains(focus))) ?? null;
    const anchor = pinned ?? (this.#list.isConnected ? this.#list.querySelector(':scope > li:hover') : null);
    keepInPlace(anchor, () => {
      placeRows(this.#list, rows, pinned);
      this.#show(this.#list, 'ready');
    });
    this.#flash();
  }

  /** Flashes the rows of the friends that changed; a flash still running starts again (one reflow for all). */
  #flash(): void {
    const rows = [...this.#flashes].flatMap((id) => this.#rows.get(id) ?? []);
    this.#flashes.clear();
    const running = rows.filter((row) => row.classList.contains('flash'));
    for (const row of running) row.classList.remove('flash');
    if (running[0]) void running[0].offsetWidth;
    for (const row of rows) row.classList.add('flash');
  }

  /**
   * Honest connection state: shown whenever the list is not live, in the app's words (`label`:
   * "Catching up…" while missed events are read again over the open socket, not "Reconnecting…").
   */
  #renderNote(state: ConnectionState, label: ConnectionLabel, stopped: StopReason | null, loaded: boolean, syncedAt: number | null, unavailable: UnavailableReason | null): void {
    const live = state === 'connected';
    this.#note.hidden = live || !loaded;
    this.dataset.connection = state;
    if (live || !loaded) return;
    const time = syncedAt === null ? null : asOfTime(syncedAt);
    // The time in the reader's locale, isolated for bidi in the English sentence.
    const asOf = time ? ['statuses as of ', bdi(time)] : ['these statuses'];
    // Stopped for good: the statuses will not be updated again, whatever the network does.
    if (stopped === 'unauthorized') this.#note.replaceChildren('Signed out of Beacon — ', ...asOf, ', no longer updated. Sign in again to see them live.');
    else if (stopped === 'stopped') this.#note.replaceChildren('Disconnected from Beacon — ', ...asOf, ', no longer updated.');
    else this.#note.replaceChildren(`${unavailable ? UNAVAILABLE_NOTE[unavailable] : CONNECTION_LABEL[label]} — `, ...(time ? [...asOf, ', they may have changed'] : ['not live']), '.');
  }

  /**
   * One row per friend, kept across renders so focus and running animations survive updates.
   * `stale`: what the row says of its status while the list is not live (null while live).
   */
  #row(view: View, stale: string | null): HTMLLIElement {
    let row = this.#rows.get(view.user_id);
    // The SDK hands the same object for a friend who did not change.
    if (row && this.#drawn.get(view.user_id) === view) {
      if (this.#marks.get(view.user_id) !== stale) this.#markStale(row, view, stale);
      return row;
    }
    if (!row) {
      const button = h('button', { type: 'button', class: 'friend', part: 'friend' });
      button.addEventListener('click', () => {
        const id = Number(row?.dataset.userId);
        emit<FriendSelectDetail>(this, FRIEND_SELECT, { userId: id, username: row?.dataset.username ?? '' });
      });
      row = h('li', {}, button);
      this.#rows.set(view.user_id, row);
    }
    const label = describeActivity(view.status, view.activity);
    const details = describeDetails(view.activity_details ?? null);
    const words = label === STATUS_SHORT[view.status] ? label : `${STATUS_SHORT[view.status]} · ${label}`;
    const said = shownMessage(view);
    this.#drawn.set(view.user_id, view);
    row.setAttribute('part', `row row-${statusToken(view.status)}`);
    row.dataset.userId = String(view.user_id);
    row.dataset.username = view.username;
    row.dataset.status = view.status;
    row.firstElementChild?.replaceChildren(
      statusDot(view.status),
      // A name in a right-to-left script keeps its own order beside the status words.
      h('span', { class: 'name', part: 'name', dir: 'auto' }, view.display_name),
      h('span', { class: 'label muted', part: 'label' }, words),
      ...(said ? [h('span', { class: 'message muted', part: 'message', dir: 'auto' }, '“', ...said.parts, '”')] : []),
      ...(details ? [h('span', { class: 'details muted', part: 'details' }, details)] : []),
      h('span', { class: 'sr-only stale-note' }),
    );
    this.#markStale(row, view, stale);
    return row;
  }

  /**
   * Marks a row's status as the last known one (`stale`: the words said, "last known, as of
   * 14:02") or as live (null): the dot grey or in its status's colour, its parts to match, and
   * the words a screen reader says after the status.
   */
  #markStale(row: HTMLLIElement, view: View, stale: string | null): void {
    this.#marks.set(view.user_id, stale);
    row.toggleAttribute('data-stale', stale !== null);
    const dot = row.querySelector('svg.dot');
    dot?.setAttribute('part', stale === null ? `dot dot-${statusToken(view.status)}` : 'dot dot-stale');
    dot?.setAttribute('class', stale === null ? `dot ${view.status}` : 'dot stale');
    const note = row.querySelector('.stale-note');
    if (note) note.textContent = stale === null ? '' : ` (${stale})`;
  }

  #announce(view: View, previous: View | undefined): void {
    const text = announceChange(view, previous, STATUS_SHORT);
    if (text) this.#announcer.say(view.user_id, text);
    // A new activity is shown (the row flashes) but not announced.
    if (!text && previous?.activity === view.activity) return;
    // Flashed by the render that shows it (the row may not exist yet).
    this.#flashes.add(view.user_id);
    this.#frame?.request();
  }

  /** Shows `node`; the host's `data-state` says which of the states it is, whatever path led here. */
  #show(node: Node, state: 'disconnected' | 'loading' | 'error' | 'empty' | 'ready'): void {
    this.dataset.state = state;
    if (this.#body.firstChild !== node || this.#body.childNodes.length !== 1) this.#body.replaceChildren(node);
  }

  #state(text: string, state: string): HTMLElement {
    return h('p', { class: 'state', part: 'state', role: 'status', 'data-state': state }, text);
  }

  #emptyState(): HTMLElement {
    const find = h('button', { type: 'button', class: 'primary', part: 'find-friends' }, 'Find friends');
    find.addEventListener('click', () => emit(this, FIND_FRIENDS, null));
    return h('div', { class: 'state', part: 'state', 'data-state': 'empty' }, h('p', {}, 'No friends yet.'), find);
  }

  /**
   * The token was refused or revoked, or the page gave none (`noToken`: Beacon refused nothing):
   * the client stopped for good; only a new sign-in helps, so no retry.
   */
  #refusedState(noToken: boolean): HTMLElement {
    return h(
      'div',
      { class: 'state error', part: 'state', role: 'alert', 'data-state': 'error' },
      h(
        'p',
        {},
        noToken
          ? 'Not signed in to Beacon: the page gave no token. Sign in to see your friends.'
          : 'Signed out of Beacon: it refused this sign-in, or the session ended. Sign in again to see your friends.',
      ),
    );
  }

  /**
   * Beacon unreachable while the client keeps trying, or reached but refusing the connection
   * (`unavailable`: why, as it said). "Retry now" tries at once; while that attempt runs the box
   * says so and the button is unavailable (aria-disabled, so it keeps focus), and if the attempt
   * fails the box says so again with the button back.
   */
  #unreachableState(retrying: boolean, unavailable: UnavailableReason | null): HTMLElement {
    if (!this.#unreachable) {
      const text = h('p', {});
      const retry = h('button', { type: 'button', part: 'retry' }, 'Retry now');
      retry.addEventListener('click', () => {
        const c = this.connection?.client;
        if (!c || retry.getAttribute('aria-disabled') === 'true' || c.state !== 'offline' || c.stopReason !== null) return;
        this.#retrying = true;
        c.reconnectNow();
      });
      const box = h('div', { class: 'state error', part: 'state', role: 'alert' }, text, retry);
      this.#unreachable = { box, text, retry };
    }
    const { box, text, retry } = this.#unreachable;
    box.dataset.state = retrying ? 'loading' : 'error';
    text.textContent = retrying ? (unavailable ? 'Trying again…' : 'Trying to reach Beacon…') : `${unavailable ? UNAVAILABLE_TEXT[unavailable] : 'Could not reach Beacon.'} It keeps trying in the background.`;
    retry.setAttribute('aria-disabled', String(retrying));
    return box;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    // Beacon's own web app has an element of this name too (src/web/elements/friend-list.ts);
    // the two are never on one page, and the web app makes its own with `new`, not by name.
    'beacon-friend-list': BeaconFriendListElement;
  }
}

/**
 * What the list says when Beacon, reached, refused the connection and said why: the site's
 * friend list failing is not Beacon being unreachable (nor is Beacon's own database or sign-in
 * check: Beacon answered, it could not serve the list).
 */
const UNAVAILABLE_TEXT: Readonly<Record<UnavailableReason, string>> = {
  'friend list unavailable': 'Your friend list is unavailable right now: the site could not provide it.',
  'database unreachable': 'Beacon is unavailable right now: it answered, but could not load your friends.',
  'auth check timed out': 'Beacon is unavailable right now: checking your sign-in took too long.',
};
/** The same, as the note above rows already shown ("… — statuses as of 14:02, they may have changed."). */
const UNAVAILABLE_NOTE: Readonly<Record<UnavailableReason, string>> = {
  'friend list unavailable': 'Friend list unavailable',
  'database unreachable': 'Beacon unavailable',
  'auth check timed out': 'Beacon unavailable',
};

/** A game's details as the game server reported them ("score 2-1 · round 4"), at most four. */
function describeDetails(details: Readonly<Record<string, string | number | boolean>> | null): string {
  if (!details) return '';
  return Object.entries(details)
    .slice(0, 4)
    .map(([key, value]) => `${key.replaceAll('_', ' ')} ${String(value)}`)
    .join(' · ');
}
