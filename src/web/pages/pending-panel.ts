/**
 * The Pending tab of the Friends page: search to add a friend, incoming requests
 * (accept/decline) and sent ones (cancel). Lists come from the app's RequestsStore, live
 * over the socket; nothing here polls. After every action focus moves to the next
 * sensible control (the next row's button, else the section heading). What an action did goes
 * to the page's notice (lib/notice.ts), which typing a new name clears. People are named
 * with their @username, in notices and buttons' names as in the rows (requests-view.ts).
 *
 * The search results are no live region: a screen reader hears how many players a search
 * found ("3 players found"), once per search, from a status line of their own. The results
 * are rebuilt only for a new search or when what can be done with a shown player changes
 * (they became a friend, a request came or went), never because a friend changed status;
 * a rebuild keeps keyboard focus on the same button (`data-key`).
 *
 * A user you blocked is shown "Blocked", with a link to unblock them (Privacy → Blocked users),
 * not an "Add friend" the server refuses: the blocks are read again with each search and
 * whenever the client reads its views again without the socket's frames (read-again.ts: a
 * reconnect, each poll while polling, the refetch after lost events), and a block or unblock
 * made meanwhile anywhere (`block_changed`) turns the row at once (focus on its Add friend
 * moves to its link). An add refused because of a block the page
 * did not hear of (a frame lost) says the server's reason, and the row turns "Blocked".
 *
 * An action runs once at a time per request or player (`data-on`): pressed again while its
 * answer is awaited (a slow network), or Decline pressed after Accept, nothing is sent twice,
 * and its buttons show busy (busy-button.ts), rebuilt ones too. A second request would fail
 * ("no longer exists") and the page would report a failure that did not happen.
 */
import type { BlockChange } from '../../client/presence-client.js';
import type { AppContext } from './page.js';
import type { FriendRequest, User } from '../lib/label-types.js';
import { askAgainAt, formatAskAgain } from '../lib/ask-again.js';
import { errorMessage, isCodedError } from '../lib/error-messages.js';
import { bdi, h, userText } from '../lib/dom.js';
import type { Notice } from '../lib/notice.js';
import { markBusy } from '../lib/busy-button.js';
import { button, failure, list, loading, nameOf, personRow, section, type Person, type Unnamed } from './requests-view.js';
import { playerQuery } from '../lib/player-query.js';
import { readAgainAtSyncs } from '../lib/read-again.js';
import { MAX_USERNAME } from '../../protocol/text.js';
import { BLOCKED_USERS_HREF } from './blocked-panel.js';

/** Why an action failed, for the notice: a sentence, or its parts (a date in a <bdi>). */
type Explained = string | Array<Node | string>;

export function pendingPanel(root: HTMLElement, ctx: AppContext, notice: Notice): () => void {
  const { api, requests: store } = ctx;
  let results: User[] | null = null;
  let disposed = false;
  const names = new Map<number, Person>();
  /** Users whose name could not be read: not "Loading…" any more; read again at the next change. */
  const unnamed = new Set<number>();
  /**
   * Users the server refused a request to (429: declined within 24 h, or too many requests),
   * with the time asking again can succeed: their row says so instead of offering a button
   * that would fail the same way until then; a timer brings the button back at that time.
   */
  const refusedUntil = new Map<number, number>();
  const refusalTimers = new Set<ReturnType<typeof setTimeout>>();
  /** The users you blocked, as last read (with each search, and after an add refused with 409). */
  let blocked = new Set<number>();
  /** How many block reads were started: only the last one's answer is kept (an older one answering late is not the truth now). */
  let blockReads = 0;
  /** A block or unblock heard live: newer than any read in flight, whose answer is then dropped. */
  const blockChanged = (change: BlockChange): void => {
    blockReads++;
    blocked = new Set(blocked);
    if (change.blocked) blocked.add(change.userId);
    else blocked.delete(change.userId);
    render();
  };
  /**
   * Reads the blocks again; resolves to whether that changed who is blocked. A failure keeps
   * what was known (the server still refuses an add to a blocked user).
   */
  const readBlocks = (): Promise<boolean> => {
    const read = ++blockReads;
    return api.listBlocks().then(
      (list) => {
        const now = new Set(list.map((b) => b.user_id));
        if (read !== blockReads || (now.size === blocked.size && [...now].every((id) => blocked.has(id)))) return false;
        blocked = now;
        return true;
      },
      () => false,
    );
  };
  /** What the actions awaiting their answer act on (`data-on` of their buttons: "request-12", "user-7"). */
  const busy = new Set<string>();
  const showBusy = (): void => root.querySelectorAll<HTMLButtonElement>('button[data-on]').forEach((b) => markBusy(b, busy.has(b.dataset.on!)));

  const search = h('input', {
    id: 'player-search', type: 'search', class: 'beacon-input w-full', autocomplete: 'off',
    placeholder: 'Username starts with…', maxlength: MAX_USERNAME + 1, spellcheck: false, autocapitalize: 'none',
  });
  const resultsBox = h('div', { class: 'mt-3', 'data-part': 'search-results' });
  /** What the last search found, as a count; there from the start so each one is announced. */
  const resultsSaid = h('p', { class: 'sr-only', role: 'status', 'data-part': 'search-count' });
  /** The results shown, and what could be done with each of them then (Relation): rebuilt only when either changes. */
  let shown: { results: User[] | null; relations: string } = { results: null, relations: '' };
  /** Why no username can start with what was typed (shown instead of "nobody has it"), else null. */
  let invalid: string | null = null;
  const incomingBox = h('div', { 'data-part': 'incoming' });
  const outgoingBox = h('div', { 'data-part': 'outgoing' });

  const person = (id: number): Person | Unnamed =>
    names.get(id) ?? { id, placeholder: unnamed.has(id) ? 'Name not available' : 'Loading…' };

  /** Requests carry only ids; names come from each user's (privacy-safe) status view. */
  async function resolveNames(reqs: FriendRequest[]): Promise<void> {
    const ids = reqs.map((r) => (r.from_user_id === ctx.user.id ? r.to_user_id : r.from_user_id));
    const missing = [...new Set(ids)].filter((id) => !names.has(id));
    if (missing.length === 0) return;
    const views = await Promise.allSettled(missing.map((id) => api.userStatus(id)));
    views.forEach((r, i) => {
      const id = missing[i]!;
      if (r.status === 'fulfilled') {
        names.set(id, { id, username: r.value.username, display_name: r.value.display_name });
        unnamed.delete(id);
      } else unnamed.add(id);
    });
    render();
  }

  /** A sentence naming `p` ("You and ", p, " are now friends."), the name contained. */
  const about = (p: Person | Unnamed, before: string, after: string): Array<Node | string> => [before, userText(nameOf(p)), after];

  /**
   * A request the notice says was sent, while it says so: if its recipient becomes a friend
   * meanwhile (their request crossed ours and accepted it, or they accepted), the notice says
   * that instead of a request still waiting.
   */
  let sentTo: { user: User; instead: (...parts: Array<Node | string>) => void } | null = null;
  function sentNowFriends(): void {
    if (!sentTo || !ctx.client.friend(sentTo.user.id)) return;
    sentTo.instead(...about(sentTo.user, 'You and ', ' are now friends.'));
    sentTo = null;
  }

  /**
   * Runs an action, reports what it did (`done`, or the sentence the action answers when the
   * server did something else, e.g. a request that made friends at once), then puts focus on
   * `next()` (or the section heading). API answers are objects, never sentences. `explain`
   * words a failure; `said` gets what corrects the confirmation while it is shown. `on` is what
   * it acts on: while it runs, another action on the same does nothing.
   */
  async function act(
    on: string, action: () => Promise<unknown>, done: Array<Node | string>, box: HTMLElement, index: number,
    more: { explain?: (e: unknown) => Explained | null | Promise<Explained | null>; said?: (instead: (...parts: Array<Node | string>) => void) => void } = {},
  ): Promise<void> {
    if (busy.has(on)) return;
    const { explain, said: onSaid } = more;
    const from = document.activeElement;
    notice.clear();
    busy.add(on);
    showBusy();
    try {
      const said = await action();
      const instead = notice.say(...(Array.isArray(said) ? (said as Array<Node | string>) : done));
      if (!Array.isArray(said)) onSaid?.(instead);
    } catch (e) {
      const why = (await explain?.(e)) ?? errorMessage(e, {
        CONFLICT: 'You are already friends, or a request is already waiting.',
        NOT_FOUND: 'That request or player no longer exists.',
      });
      notice.fail(...(typeof why === 'string' ? [why] : why));
    }
    try {
      await store.refresh();
    } finally {
      busy.delete(on);
      showBusy();
    }
    if (disposed) return;
    // The user moved on meanwhile (typed a new name, another control): focus stays where they put it.
    const now = document.activeElement;
    if (now !== from && now !== null && now !== document.body) return;
    const rows = box.querySelectorAll<HTMLElement>('li');
    const row = rows[Math.min(index, rows.length - 1)];
    const target = row?.querySelector<HTMLElement>('button, a[href]') ?? box.closest('section')?.querySelector<HTMLElement>('h2');
    target?.focus();
  }

  /** What can be done with a player found: the one thing a search result's row shows. */
  type Relation =
    | { kind: 'you' } | { kind: 'friend' } | { kind: 'blocked' } | { kind: 'asked-you'; request: number } | { kind: 'asked' }
    | { kind: 'refused'; until: number } | { kind: 'none' };
  function relation(u: User): Relation {
    if (u.id === ctx.user.id) return { kind: 'you' };
    if (ctx.client.friend(u.id)) return { kind: 'friend' };
    if (blocked.has(u.id)) return { kind: 'blocked' };
    const inc = store.incoming.find((r) => r.from_user_id === u.id);
    if (inc) return { kind: 'asked-you', request: inc.id };
    if (store.outgoing.some((r) => r.to_user_id === u.id)) return { kind: 'asked' };
    const until = refusedUntil.get(u.id);
    if (until !== undefined) return { kind: 'refused', until };
    return { kind: 'none' };
  }

  function searchAction(u: User, rel: Relation, index: number): Node {
    if (rel.kind === 'you') return h('span', { class: 'text-sm text-slate-400' }, 'You');
    if (rel.kind === 'friend') return h('span', { class: 'text-sm text-green-300' }, '✓ Friends');
    if (rel.kind === 'blocked') {
      return h('span', { class: 'flex flex-wrap items-center gap-x-3 gap-y-1 text-sm', 'data-part': 'blocked' },
        h('span', { class: 'text-red-300' }, 'Blocked'),
        // Named for its user too (its words first, as shown), as the rows' buttons are: a list of links says whom each is for.
        h('a', { href: BLOCKED_USERS_HREF, class: 'beacon-link', 'aria-label': `Unblock in Privacy: ${nameOf(u)}` }, 'Unblock in Privacy'));
    }
    if (rel.kind === 'asked-you') {
      const accept = button('Accept request', () => void act(`request-${rel.request}`, () => api.acceptFriendRequest(rel.request), about(u, 'You and ', ' are now friends.'), resultsBox, index), 'primary', `Accept request from ${nameOf(u)}`);
      accept.dataset.key = `found-accept-${u.id}`;
      accept.dataset.on = `request-${rel.request}`;
      return accept;
    }
    if (rel.kind === 'asked') return h('span', { class: 'text-sm text-slate-300' }, '✓ Request sent');
    if (rel.kind === 'refused') return h('span', { class: 'text-sm text-slate-300', 'data-part': 'ask-again' }, 'You can ask again from ', bdi(formatAskAgain(rel.until)));
    const add = button('Add friend', () => {
      void act(`user-${u.id}`, async () => {
        // They had asked first (this page had not heard yet): the request made friends at once.
        const res = await api.sendFriendRequest(u.id);
        return res.friend ? about(u, 'You and ', ' are now friends.') : undefined;
      }, about(u, 'Friend request sent to ', '.'), resultsBox, index, {
        explain: async (e) => refused(u, e) ?? (await blockedByYou(u, e)),
        // They asked at the same moment: theirs, taken second, accepted ours (friend_added may
        // even have come before this answer).
        said: (instead) => {
          sentTo = { user: u, instead };
          sentNowFriends();
        },
      });
    }, 'primary', `Add friend ${nameOf(u)}`);
    add.dataset.key = `found-add-${u.id}`;
    add.dataset.on = `user-${u.id}`;
    return add;
  }

  /** The results, rebuilt only when they or what can be done with one of them changed (a friend's status is neither). */
  function renderResults(): void {
    const relations = results?.map((u) => JSON.stringify(relation(u))).join('\n') ?? '';
    if (shown.results === results && shown.relations === relations) return;
    shown = { results, relations };
    if (results === null) resultsBox.replaceChildren();
    else resultsBox.replaceChildren(list(results.map((u, i) => personRow({ ...u }, searchAction(u, relation(u), i))), invalid ?? 'No player has a username starting with that.'));
  }

  /** Says what a search found, once (not at each rebuild of the list). */
  function sayFound(found: User[] | null): void {
    resultsSaid.textContent = found === null ? '' : found.length === 0 ? invalid ?? 'No players found' : `${found.length} ${found.length === 1 ? 'player' : 'players'} found`;
  }

  /**
   * An add refused with 409 because you blocked `u` (blocked on another device, or this page
   * had not read it yet): the server's reason, and their row turns "Blocked". Null for another
   * conflict (already friends, a request waiting), which the generic sentence covers.
   */
  async function blockedByYou(u: User, e: unknown): Promise<string | null> {
    if (!isCodedError(e) || e.code !== 'CONFLICT') return null;
    await readBlocks();
    if (!blocked.has(u.id)) return null;
    render();
    return /[.!?]$/.test(e.message) ? e.message : `${e.message}.`;
  }

  /** A request to `u` the server refused for now: remembered for their row, said with its time. */
  function refused(u: User, e: unknown): Explained | null {
    const at = askAgainAt(e, Date.now());
    if (at === null) return null;
    refusedUntil.set(u.id, at);
    const timer = setTimeout(() => {
      refusalTimers.delete(timer);
      if (refusedUntil.get(u.id) === at) refusedUntil.delete(u.id);
      render();
    }, at - Date.now());
    refusalTimers.add(timer);
    render();
    // The name is beside it in the row (a name in this plain text would not be contained).
    // The date in the reader's locale, isolated for bidi in the English sentence.
    return ['That request cannot be sent yet. You can ask again from ', bdi(formatAskAgain(at)), '.'];
  }

  function render(): void {
    if (disposed) return;
    // Keep focus where it was when the lists are rebuilt by a live event, and busy buttons busy;
    // a found player's control that went (Add friend, now Blocked): the one their row has now.
    const active = document.activeElement instanceof HTMLElement && root.contains(document.activeElement) ? document.activeElement : null;
    const focused = active?.dataset.key;
    const foundRow = active && resultsBox.contains(active) ? active.closest('li')?.dataset.username : undefined;
    const refocus = (): void => {
      showBusy();
      const row = foundRow !== undefined ? [...resultsBox.querySelectorAll('li')].find((li) => li.dataset.username === foundRow) : undefined;
      const again = (focused ? root.querySelector<HTMLElement>(`[data-key="${focused}"]`) : null) ?? row?.querySelector<HTMLElement>('button, a[href]');
      if (again && again !== document.activeElement) again.focus();
    };
    renderResults();
    if (!store.loaded && store.error) {
      const box = failure(`Could not load your requests. ${store.error}`, () => void store.refresh());
      incomingBox.replaceChildren(box);
      outgoingBox.replaceChildren();
      return refocus();
    }
    if (!store.loaded) {
      [incomingBox, outgoingBox].forEach((b) => b.replaceChildren(loading()));
      return refocus();
    }
    incomingBox.replaceChildren(list(store.incoming.map((r, i) => {
      const p = person(r.from_user_id);
      const accept = button('Accept', () => void act(`request-${r.id}`, () => api.acceptFriendRequest(r.id), about(p, 'You and ', ' are now friends.'), incomingBox, i), 'primary', `Accept ${nameOf(p)}`);
      const decline = button('Decline', () => void act(`request-${r.id}`, () => api.declineFriendRequest(r.id), about(p, 'Declined ', '.'), incomingBox, i), 'plain', `Decline ${nameOf(p)}`);
      accept.dataset.key = `accept-${r.id}`;
      decline.dataset.key = `decline-${r.id}`;
      accept.dataset.on = decline.dataset.on = `request-${r.id}`;
      return personRow(p, accept, decline);
    }), 'No pending requests.'));
    outgoingBox.replaceChildren(list(store.outgoing.map((r, i) => {
      const p = person(r.to_user_id);
      const cancel = button('Cancel', () => void act(`request-${r.id}`, () => api.declineFriendRequest(r.id), about(p, 'Cancelled your request to ', '.'), outgoingBox, i), 'plain', `Cancel request to ${nameOf(p)}`);
      cancel.dataset.key = `cancel-${r.id}`;
      cancel.dataset.on = `request-${r.id}`;
      return personRow(p, cancel);
    }), 'You have no requests waiting for an answer.'));
    refocus();
  }

  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    // A new name: what was said about the last one is done with.
    notice.clear();
    const query = playerQuery(search.value);
    // What the last search found is not what this one will.
    sayFound(null);
    invalid = query.kind === 'invalid' ? query.reason : null;
    if (query.kind !== 'prefix') {
      results = query.kind === 'invalid' ? [] : null;
      render();
      return sayFound(results);
    }
    const q = query.prefix;
    // Debounced: one request per pause in typing, not per key.
    searchTimer = setTimeout(() => {
      // Who is blocked is read with the results: a block made since the last search shows.
      Promise.all([api.searchUsers(q), readBlocks()]).then(([users]) => {
        const now = playerQuery(search.value);
        if (now.kind !== 'prefix' || now.prefix !== q) return;
        results = users;
        render();
        sayFound(users);
      }, (e: unknown) => notice.fail(errorMessage(e)));
    }, 200);
  });

  root.replaceChildren(h('div', { class: 'grid gap-4' },
    section('Add a friend', 'find-title',
      h('label', { for: 'player-search', class: 'mb-1.5 block text-sm text-slate-300' }, 'Search by username'), search, resultsSaid, resultsBox),
    section('Incoming requests', 'incoming-title', incomingBox),
    section('Sent requests', 'outgoing-title', outgoingBox)));
  root.querySelectorAll('h2').forEach((el) => el.setAttribute('tabindex', '-1'));

  const offStore = store.onChange(() => {
    render();
    void resolveNames([...store.incoming, ...store.outgoing]);
  });
  const offFriends = ctx.client.on('friends', () => {
    sentNowFriends();
    render();
  });
  const offBlocks = [
    ctx.client.on('block_changed', blockChanged),
    // A block made while no frame could arrive (a reconnect, each poll), or whose frame was
    // lost (the refetch after a `seq` gap); drawn again only if who is blocked changed.
    readAgainAtSyncs(ctx.client, () => void readBlocks().then((changed) => changed && render())),
  ];
  render();
  void resolveNames([...store.incoming, ...store.outgoing]);
  return () => {
    disposed = true;
    clearTimeout(searchTimer);
    refusalTimers.forEach(clearTimeout);
    offStore();
    offFriends();
    offBlocks.forEach((off) => off());
  };
}
