/**
 * The application shell: decides between the login screen and the signed-in app, owns
 * the PresenceClient for the session, and swaps pages on hash changes. Tabs share the token
 * (localStorage): when another tab logs out or signs in as someone else, this one follows,
 * so it never goes on showing one account while its requests carry another's token.
 */
import { ApiClient } from '../client/api.js';
import { PresenceClient } from '../client/presence-client.js';
import { serverClock } from './lib/server-time.js';
import type { User } from './lib/label-types.js';
import { ACCOUNT_DELETED_KEY, clearToken, deletedAccountId, dropUnscopedPrefs, forgetAccountPrefs, forgetDevice, forgetOldAccountDeleted, getToken, markAccountDeleted, parseAccountDeleted, setToken, TOKEN_KEY } from './lib/session.js';
import { errorMessage, isCodedError } from './lib/error-messages.js';
import { h } from './lib/dom.js';
import { friendsTabOf, navigate, parseRoute, PUBLIC_ROUTES, type Route } from './router.js';
import { brand, buildHeader, type Header } from './app-header.js';
import { keepClearOfHeader } from './lib/clearance.js';
import { authPage } from './pages/auth-page.js';
import { friendsPage } from './pages/friends-page.js';
import { privacyPage } from './pages/privacy-page.js';
import { RequestsStore } from './lib/requests-store.js';
import { SettingsStore } from './lib/settings-store.js';
import { sentInvites } from './lib/sent-invites.js';
import { playPage } from './pages/play-page.js';
import { schedulePage } from './pages/schedule-page.js';
import { accountPage } from './pages/account-page.js';
import type { AppContext, Page } from './pages/page.js';
import { disablePush, registerWorker } from './lib/push.js';
import { StartupRetry } from './lib/startup-retry.js';
import { shareInput } from './lib/shared-input.js';

/** What the login page says after Beacon refused or revoked this tab's session. */
const SESSION_ENDED = 'Your session has ended. Please log in again.';
/** What a tab says when another tab of this browser deleted the account it was signed in as. */
const DELETED_ELSEWHERE = { text: 'Your account was deleted in another tab. You are signed out.', info: true } as const;

/** A page of the signed-in app. */
type AppRoute = Exclude<Route, 'login' | 'signup'>;

const PAGES: Record<AppRoute, { page: Page; title: string }> = {
  // The tab the address names (router.ts): a reload opens the tab it was on.
  friends: { page: (root, ctx) => friendsPage(root, ctx, { tab: friendsTabOf(location.hash) }), title: 'Friends' },
  requests: { page: (root, ctx) => friendsPage(root, ctx, { tab: 'pending' }), title: 'Friends' },
  privacy: { page: privacyPage, title: 'Privacy' },
  schedule: { page: schedulePage, title: 'Schedule' },
  account: { page: accountPage, title: 'Account' },
  play: { page: playPage, title: 'Play' },
};

interface Session {
  ctx: AppContext;
  header: Header;
  main: HTMLElement;
  cleanups: Array<() => void>;
}

export class BeaconApp {
  readonly #root: HTMLElement;
  // '' = same origin: the server serves this page, the API and the WebSocket.
  readonly #api = new ApiClient({ baseUrl: '', getToken, fetchImpl: (input, init) => this.#fetchNoticingEnd(input, init) });
  #session: Session | null = null;
  /** The token the current session signed in with. */
  #token: string | null = null;
  #listening = false;
  #leavePage: (() => void) | void = undefined;
  /**
   * Shown on the login screen (e.g. why the user was signed out): an error, or news (`info`).
   * It stays while that screen is shown again (a `hashchange` after it was drawn), and goes when
   * the other auth screen is shown or someone signs in.
   */
  #notice: { text: string; info: boolean } | null = null;
  /** The auth screen shown last, while signed out (null once signed in). */
  #authMode: 'login' | 'signup' | null = null;
  /**
   * The page to show once someone signs in: the one a link asked for while signed out, or the one
   * a session ended on (revoked or expired). A log out leaves none: the next person starts on
   * Friends. Only the page is kept, never what its link asked it to do (`#/play?start=1`).
   */
  #wanted: AppRoute | null = null;
  /**
   * An account deletion waiting for its answer. The server revokes every session before it
   * answers, so this tab's socket may close (4000) first: that close waits for the answer
   * (`unauthorized` records it) instead of signing out as "session ended" in the middle.
   */
  #deleting: { unauthorized: boolean } | null = null;
  /** The token of the session the user is logging out of, while the logout is under way: that session ending meanwhile (its socket's close, an answer) is the logout, not news for the login page. */
  #loggingOut: string | null = null;
  /**
   * The account whose session this tab last ended to show the login page (null once signed in
   * again): if another tab then reports it deleted (its socket may close before that tab's
   * answer arrives), the login page says so instead of "session ended".
   */
  #endedUserId: number | null = null;
  /** While Beacon does not answer at start-up: tries again by itself (backoff, and at `online`). */
  readonly #retry = new StartupRetry(() => void this.start({ quiet: true }), { target: window });
  /** The start-up error on screen, and its text: a quiet retry failing the same way leaves it alone. */
  #startError: { element: HTMLElement; text: string } | null = null;

  constructor(root: HTMLElement) {
    this.#root = root;
  }

  /** `quiet`: an automatic retry, which keeps the error on screen (no "Signing you in…" flash) until it succeeds. */
  async start(opts: { quiet?: boolean } = {}): Promise<void> {
    this.#retry.cancel();
    if (!this.#listening) {
      this.#listening = true;
      // Preferences from before they were kept per account: no account may inherit them.
      dropUnscopedPrefs();
      // Another tab's "account deleted" whose time is over (that tab was closed before it removed it).
      forgetOldAccountDeleted();
      window.addEventListener('hashchange', () => this.#route());
      window.addEventListener('storage', (e) => this.#onStorage(e));
      // The skip link's #main would be read as a route: move focus without touching the hash.
      document.querySelector('.beacon-skip')?.addEventListener('click', (e) => {
        e.preventDefault();
        document.getElementById('main')?.focus();
      });
    }
    const token = getToken();
    if (!token) {
      this.#retry.succeeded();
      return this.#route();
    }
    const quiet = opts.quiet === true && this.#startError?.element.isConnected === true;
    if (!quiet) {
      this.#startError = null;
      this.#frame(h('p', { class: 'text-slate-400', role: 'status', 'data-state': 'loading' }, 'Signing you in…'));
    }
    try {
      const user = await this.#api.me();
      // Another tab changed the token meanwhile: the start its change triggered signs in.
      if (getToken() !== token) return;
      this.#retry.succeeded();
      this.#startError = null;
      this.#signIn(user);
    } catch (e) {
      if (getToken() !== token) return;
      if (isCodedError(e) && (e.code === 'UNAUTHORIZED' || e.status === 401)) {
        this.#retry.succeeded();
        this.#startError = null;
        clearToken();
        return this.#route();
      }
      // Beacon is down or unreachable: try again by itself, so the promise below comes true.
      this.#retry.failed();
      const text = isCodedError(e) && e.code === 'NETWORK_ERROR' ? 'Beacon is unreachable. Check your connection; your friends list will be back as soon as it answers.' : errorMessage(e);
      const shown = this.#startError;
      if (quiet && shown?.element.isConnected && shown.text === text) return;
      // One clear message inside the normal frame (header, main, heading), with a retry.
      const retry = h('button', { type: 'button', class: 'beacon-btn-primary mt-3' }, 'Try again');
      retry.addEventListener('click', () => void this.start());
      const element = h('div', { class: 'beacon-empty', role: 'alert', 'data-state': 'error' }, h('p', {}, text), retry);
      this.#startError = { element, text };
      this.#frame(element);
      retry.focus();
    }
  }

  /** The page frame used before sign-in completes: brand header, main, one heading. */
  #frame(content: HTMLElement): void {
    document.title = 'Beacon';
    this.#root.replaceChildren(
      h('header', { class: 'border-b border-slate-800 bg-slate-950' },
        h('div', { class: 'mx-auto flex max-w-6xl items-center px-3 py-2.5 sm:px-6' }, brand())),
      h('main', { id: 'main', class: 'mx-auto grid max-w-3xl gap-4 px-3 py-5 sm:px-6 sm:py-8', tabindex: -1 },
        h('h1', { class: 'text-xl font-bold text-white' }, 'Friends'), content),
    );
  }

  /** Another tab changed the token: end this session if it is not ours any more, and sign in with the new one. */
  #onStorage(e: StorageEvent): void {
    if (e.storageArea !== localStorage) return;
    // The event carries the mark: its later removal (null) is no news.
    if (e.key === ACCOUNT_DELETED_KEY) return this.#deletedElsewhere(parseAccountDeleted(e.newValue)?.id ?? NaN);
    if (e.key !== TOKEN_KEY && e.key !== null) return;
    const token = getToken();
    if (this.#session) {
      if (token === this.#token) return;
      // This tab is deleting the account: another tab, whose socket the server's revocation
      // closed first, dropped the token. The answer decides what this tab says, as for its own socket.
      if (!token && this.#deleting) {
        this.#deleting.unauthorized = true;
        return;
      }
      const deleted = !token && deletedAccountId() === this.#session.ctx.user.id;
      this.#endSession(token ? undefined : deleted ? DELETED_ELSEWHERE : { text: 'You were signed out in another tab.', info: false }, !token);
    }
    if (token) void this.start();
  }

  /**
   * Another tab deleted the account `userId` (it marks it just before dropping the token): a
   * session of that account ends saying so; a login page already shown for it (its socket
   * closed first: "session ended") now says why.
   */
  #deletedElsewhere(userId: number): void {
    if (!Number.isInteger(userId)) return;
    if (this.#session) {
      if (this.#session.ctx.user.id === userId) this.#endSession(DELETED_ELSEWHERE, true);
      return;
    }
    if (this.#endedUserId !== userId) return;
    this.#endedUserId = null;
    const route = parseRoute(location.hash);
    if (route !== 'login' && route !== 'signup') return;
    this.#notice = DELETED_ELSEWHERE;
    this.#route();
  }

  #signIn(user: User): void {
    this.#retry.succeeded();
    this.#endSession(undefined, false);
    this.#endedUserId = null;
    this.#notice = null;
    this.#authMode = null;
    this.#token = getToken();
    // Its views and frames keep the page's one estimate of the server's clock (lib/server-time.ts).
    const client = new PresenceClient({ baseUrl: '', getToken, api: this.#api, serverClock });
    const settings = new SettingsStore(client, user.id);
    const requests = new RequestsStore(this.#api, client);
    const header = buildHeader(user, client, settings, () => void this.#logout());
    const main = h('main', { id: 'main', class: 'mx-auto max-w-6xl px-3 py-5 sm:px-6 sm:py-8', tabindex: -1 });
    const still = document.createElement('beacon-still-there');
    still.client = client;
    still.settings = settings;
    const invite = document.createElement('beacon-game-invite');
    invite.connect(client, this.#api);
    const toasts = document.createElement('beacon-notification-toast');
    toasts.connect(client);
    const session: Session = {
      header,
      main,
      cleanups: [],
      ctx: { api: this.#api, client, user, requests, settings, deleteAccount: (password) => this.#deleteAccount(password, user) },
    };
    this.#session = session;
    session.cleanups.push(
      client.attachIdleDetection(document),
      // Input here counts for this browser's other tabs while they are not connected (and theirs here).
      shareInput(client),
      client.on('unauthorized', () => this.#sessionEnded()),
      () => client.stop(),
      settings.follow(document),
      settings.live(document),
      requests.onChange(() => header.setRequestCount(requests.incoming.length)),
      () => requests.stop(),
      () => sentInvites.clear(),
      // The header is sticky: what is focused or scrolled to is brought into view below it.
      keepClearOfHeader(header.element),
    );
    // A practice match interrupted by a reload or a closed tab is ended by the server (the page's
    // socket held it; pagehide also says so): no `browsing` here, which would end a match another
    // tab is playing.
    this.#root.replaceChildren(header.element, main, still, invite, toasts);
    // The worker shows pushes while Beacon is closed; push itself is turned on in Schedule → Notifications.
    void registerWorker();
    client.start();
    // The badge and Pending tab are read once per (re)connect, then follow socket events.
    requests.start();
    settings.load().catch(() => undefined); // the header falls back to the plain status
    // Signed in from the login page: to the page asked for before, if any (its hashchange shows it).
    const wanted = this.#wanted;
    this.#wanted = null;
    const here = parseRoute(location.hash);
    if (wanted && (!here || PUBLIC_ROUTES.has(here))) navigate(wanted);
    else this.#route();
  }

  /** Beacon said this tab's session ended (revoked or expired): the login page says so, and the next sign-in comes back here. */
  #sessionEnded(): void {
    if (this.#deleting) this.#deleting.unauthorized = true;
    else if (this.#loggingOut !== null && this.#loggingOut === this.#token) this.#signOut();
    else this.#signOut(SESSION_ENDED, true);
  }

  /**
   * Every API call of the app, watched for the answer that says the session ended: 401
   * UNAUTHORIZED to a call made with this session's token signs out at once, as the socket's
   * 4401 close does, before the caller shows the error. Otherwise each panel still loading
   * (history, notification settings, …) said "Could not load …: your session has ended" in
   * place until the socket's close came, or for good when the socket stayed open (a proxy that
   * keeps it, a close lost on the way). A wrong current password (401 INVALID_CREDENTIALS) is
   * no ended session.
   */
  async #fetchNoticingEnd(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const token = this.#token;
    const res = await globalThis.fetch(input, init);
    if (res.status !== 401 || token === null || new Headers(init?.headers).get('authorization') !== `Bearer ${token}`) return res;
    const code = await res
      .clone()
      .json()
      .then((body: { code?: unknown }) => body.code, () => null);
    if (code === 'UNAUTHORIZED' && this.#token === token) this.#sessionEnded();
    return res;
  }

  async #logout(): Promise<void> {
    this.#loggingOut = this.#token;
    try {
      // A shared browser must not keep showing this account's friends coming online.
      await disablePush(this.#api).catch(() => undefined);
      await this.#api.logout();
    } catch {
      /* the token is dropped locally either way */
    } finally {
      this.#loggingOut = null;
    }
    this.#signOut();
    // Leaving is no page to come back to.
    this.#wanted = null;
  }

  /**
   * Deletes the account, then signs out in one step (no reload): the login page says so, and
   * nothing of the account stays in this browser: its token, its device token, its push
   * subscription (the server already forgot it), this tab's client and stores (the session's
   * cleanups). Rejects when the server refuses; the session then goes on.
   */
  async #deleteAccount(password: string, user: User): Promise<void> {
    const deleting = { unauthorized: false };
    this.#deleting = deleting;
    try {
      await this.#api.deleteAccount(password);
    } catch (e) {
      if (this.#deleting === deleting) this.#deleting = null;
      // The session ended meanwhile all the same (revoked or expired): sign out as usual.
      if (deleting.unauthorized) this.#signOut(SESSION_ENDED, true);
      throw e;
    }
    if (this.#deleting === deleting) this.#deleting = null;
    // Before the token goes: the other tabs signed in as this account read it when they see it go.
    markAccountDeleted(user.id);
    forgetDevice(user.username);
    forgetAccountPrefs(user.id);
    // The token is gone (cleared below): the server's copy of the subscription is already deleted.
    void disablePush(this.#api).catch(() => undefined);
    this.#signOut({ text: 'Your account was deleted. You are signed out.', info: true });
  }

  /**
   * Idempotent: logout revokes the token, which also makes the SDK report `unauthorized`.
   * `comeBack`: the session ended without the user's say, so the next sign-in shows this page again.
   */
  #signOut(notice?: string | { text: string; info: boolean }, comeBack = false): void {
    // Another tab may have signed in since: its token is not ours to drop.
    if (this.#session && getToken() === this.#token) clearToken();
    this.#endSession(typeof notice === 'string' ? { text: notice, info: false } : notice, true, comeBack);
  }

  /** Ends this tab's session, leaving the stored token alone; `toLogin` shows the login page. */
  #endSession(notice: { text: string; info: boolean } | undefined, toLogin: boolean, comeBack = false): void {
    const s = this.#session;
    if (!s) return;
    this.#leave();
    this.#session = null;
    this.#token = null;
    s.cleanups.forEach((fn) => fn());
    if (!toLogin) return;
    const here = parseRoute(location.hash);
    this.#wanted = comeBack && here && !PUBLIC_ROUTES.has(here) ? (here as AppRoute) : null;
    this.#endedUserId = s.ctx.user.id;
    this.#notice = notice ?? null;
    if (parseRoute(location.hash) === 'login') this.#route();
    else navigate('login');
  }

  #leave(): void {
    const leave = this.#leavePage;
    this.#leavePage = undefined;
    if (leave) leave();
  }

  #route(): void {
    const route = parseRoute(location.hash);
    const s = this.#session;
    if (!s) {
      if (route === 'login' || route === 'signup') return this.#showAuth(route);
      // A link into the app: shown once someone signs in.
      if (route) this.#wanted = route;
      return navigate('login');
    }
    if (!route || PUBLIC_ROUTES.has(route)) return navigate('friends');
    const { page, title } = PAGES[route as keyof typeof PAGES];
    this.#leave();
    s.header.setRoute(route);
    document.title = `${title} · Beacon`;
    this.#leavePage = page(s.main, s.ctx);
    // Move focus to the new page's heading so screen readers announce the navigation.
    const heading = s.main.querySelector<HTMLElement>('h1');
    if (document.activeElement !== document.body || heading) heading?.focus({ preventScroll: true });
  }

  #showAuth(mode: 'login' | 'signup'): void {
    this.#leave();
    document.title = `${mode === 'login' ? 'Log in' : 'Sign up'} · Beacon`;
    // Drawn again (another tab's news, then the hashchange of the navigation to it): the same notice.
    if (this.#authMode !== null && this.#authMode !== mode) this.#notice = null;
    this.#authMode = mode;
    const notice = this.#notice;
    authPage(this.#root, {
      api: this.#api,
      mode,
      notice: notice && !notice.info ? notice.text : null,
      info: notice?.info ? notice.text : null,
      onAuthenticated: (token, user) => {
        setToken(token);
        this.#signIn(user);
      },
    });
    // News such as "Your account was deleted." takes focus, so it is read out; else the first field.
    (this.#root.querySelector<HTMLElement>('[data-part=notice]') ?? this.#root.querySelector<HTMLInputElement>('input'))?.focus();
  }
}
