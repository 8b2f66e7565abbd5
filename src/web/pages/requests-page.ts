/**
 * Find players, send/accept/decline/cancel friend requests, and manage friends
 * (category, remove). Requests have no WebSocket event, so the page re-reads them
 * every few seconds while visible.
 */
import type { Page } from './page.js';
import type { Friend, FriendRequest, User } from '../lib/label-types.js';
import { errorMessage } from '../lib/error-messages.js';
import { h } from '../lib/dom.js';
import { button, categorySelect, failure, list, loading, personRow, section, type Person } from './requests-view.js';

const REFRESH_MS = 4_000;

export const requestsPage: Page = (root, ctx) => {
  const { api } = ctx;
  let friends: Friend[] = [];
  let requests: { incoming: FriendRequest[]; outgoing: FriendRequest[] } = { incoming: [], outgoing: [] };
  let loaded = false;
  let loadError: string | null = null;
  let results: User[] | null = null;
  let disposed = false;
  const names = new Map<number, Person>();

  const notice = h('p', { class: 'min-h-5 text-sm text-slate-300', role: 'status', 'data-part': 'notice' });
  const search = h('input', {
    id: 'player-search', type: 'search', class: 'beacon-input w-full', autocomplete: 'off',
    placeholder: 'Username starts with…', maxlength: 20, spellcheck: false, autocapitalize: 'none',
  });
  const resultsBox = h('div', { class: 'mt-3', 'aria-live': 'polite' });
  const incomingBox = h('div');
  const outgoingBox = h('div');
  const friendsBox = h('div');

  const person = (id: number): Person => names.get(id) ?? { id, username: `user ${id}`, display_name: 'Loading…' };

  /** Requests carry only ids; names come from each user's (privacy-safe) status view. */
  async function resolveNames(ids: number[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !names.has(id));
    const views = await Promise.allSettled(missing.map((id) => api.userStatus(id)));
    views.forEach((r) => {
      if (r.status === 'fulfilled') names.set(r.value.user_id, { id: r.value.user_id, ...r.value });
    });
  }

  async function refresh(): Promise<void> {
    try {
      const [f, r] = await Promise.all([api.friends(), api.friendRequests()]);
      await resolveNames([...r.incoming.map((q) => q.from_user_id), ...r.outgoing.map((q) => q.to_user_id)]);
      if (disposed) return;
      friends = f;
      requests = r;
      for (const fr of f) names.set(fr.user_id, { id: fr.user_id, username: fr.username, display_name: fr.display_name });
      loaded = true;
      loadError = null;
    } catch (e) {
      if (!loaded) loadError = errorMessage(e);
    }
    render();
  }

  async function act(action: () => Promise<unknown>, done: string): Promise<void> {
    notice.textContent = '';
    try {
      await action();
      notice.textContent = done;
    } catch (e) {
      notice.textContent = errorMessage(e, {
        CONFLICT: 'You are already friends, or a request is already waiting.',
        NOT_FOUND: 'That request or player no longer exists.',
      });
    }
    await refresh();
    ctx.refreshRequestBadge();
  }

  function searchAction(u: User): Node {
    if (u.id === ctx.user.id) return h('span', { class: 'text-sm text-slate-400' }, 'You');
    if (friends.some((f) => f.user_id === u.id)) return h('span', { class: 'text-sm text-green-300' }, '✓ Friends');
    const inc = requests.incoming.find((r) => r.from_user_id === u.id);
    if (inc) return button('Accept request', () => void act(() => api.acceptFriendRequest(inc.id), `You and ${u.display_name} are now friends.`), 'primary');
    if (requests.outgoing.some((r) => r.to_user_id === u.id)) return h('span', { class: 'text-sm text-slate-300' }, 'Request sent');
    return button('Add friend', () => {
      void act(async () => {
        const res = await api.sendFriendRequest(u.id);
        if (res.friend) notice.textContent = `You and ${u.display_name} are now friends.`;
      }, `Friend request sent to ${u.display_name}.`);
    }, 'primary', `Add ${u.display_name} as a friend`);
  }

  function removeButton(f: Friend): HTMLButtonElement {
    // Two-step confirm: unfriending is mutual and cannot be undone without a new request.
    let armed = false;
    const b = button('Remove', () => {
      if (!armed) {
        armed = true;
        b.textContent = 'Confirm remove';
        return;
      }
      void act(() => api.removeFriend(f.user_id), `${f.display_name} was removed from your friends.`);
    }, 'danger', `Remove ${f.display_name} from friends`);
    b.addEventListener('blur', () => {
      armed = false;
      b.textContent = 'Remove';
    });
    return b;
  }

  let rendered = '';
  function render(): void {
    if (disposed) return;
    // The periodic refresh must not rebuild (and steal focus from) identical lists.
    const key = JSON.stringify([friends, requests, results, loaded, loadError, [...names.values()]]);
    if (key === rendered) return;
    rendered = key;
    if (results === null) resultsBox.replaceChildren();
    else resultsBox.replaceChildren(list(results.map((u) => personRow({ ...u }, searchAction(u))), 'No player has a username starting with that.'));
    if (loadError) {
      const box = failure(`Could not load your requests. ${loadError}`, () => void refresh());
      return void [incomingBox, outgoingBox, friendsBox].forEach((b, i) => b.replaceChildren(i === 0 ? box : ''));
    }
    if (!loaded) return void [incomingBox, outgoingBox, friendsBox].forEach((b) => b.replaceChildren(loading()));
    incomingBox.replaceChildren(list(requests.incoming.map((r) => {
      const p = person(r.from_user_id);
      return personRow(p,
        button('Accept', () => void act(() => api.acceptFriendRequest(r.id), `You and ${p.display_name} are now friends.`), 'primary', `Accept ${p.display_name}`),
        button('Decline', () => void act(() => api.declineFriendRequest(r.id), `Declined ${p.display_name}.`), 'plain', `Decline ${p.display_name}`));
    }), 'No pending requests.'));
    outgoingBox.replaceChildren(list(requests.outgoing.map((r) => {
      const p = person(r.to_user_id);
      return personRow(p, button('Cancel', () => void act(() => api.declineFriendRequest(r.id), `Cancelled your request to ${p.display_name}.`), 'plain', `Cancel request to ${p.display_name}`));
    }), 'You have no requests waiting for an answer.'));
    friendsBox.replaceChildren(list(friends.map((f) => personRow({ id: f.user_id, ...f },
      categorySelect(f, (c) => void act(() => api.setFriendCategory(f.user_id, c), `${f.display_name} is now in ${c.replace('_', ' ')}s.`)),
      removeButton(f))), 'No friends yet — search for players above.'));
  }

  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    const q = search.value.trim();
    if (!/^[A-Za-z0-9_]{1,20}$/.test(q)) {
      results = q ? [] : null;
      return render();
    }
    // Debounced: one request per pause in typing, not per key.
    searchTimer = setTimeout(() => {
      api.searchUsers(q).then((users) => {
        if (search.value.trim() === q) { results = users; render(); }
      }, (e: unknown) => { notice.textContent = errorMessage(e); });
    }, 200);
  });

  root.replaceChildren(h('div', { class: 'mx-auto grid max-w-3xl gap-4' },
    h('div', {}, h('h1', { class: 'text-xl font-bold text-white', tabindex: -1 }, 'Friend requests'), notice),
    section('Find players', 'find-title',
      h('label', { for: 'player-search', class: 'mb-1.5 block text-sm text-slate-300' }, 'Search by username'), search, resultsBox),
    section('Incoming requests', 'incoming-title', incomingBox),
    section('Sent requests', 'outgoing-title', outgoingBox),
    section('Your friends', 'friends-title',
      h('p', { class: 'mb-2 text-sm text-slate-400' }, 'Close friends can see what you share with “close friends only”; acquaintances see only what everyone sees.'),
      friendsBox)));

  render();
  void refresh();
  const timer = setInterval(() => { if (document.visibilityState === 'visible') void refresh(); }, REFRESH_MS);
  const offs = [ctx.client.on('friend', ({ previous }) => { if (!previous) void refresh(); }), ctx.client.on('friend_removed', () => void refresh())];
  return () => {
    disposed = true;
    clearInterval(timer);
    clearTimeout(searchTimer);
    offs.forEach((off) => off());
  };
};
