/**
 * <beacon-status user-id="42">: one user's status as a dot AND a word ("Busy"), never by
 * colour alone; optionally their message (attribute `show-message`). Live for the signed-in
 * user and their friends; anyone else (a stranger: no live channel) is read over REST (as they
 * allow the viewer to see) when bound, at each reconnect, and again every minute while the
 * page is shown (attribute `refresh-seconds`, property `refreshSeconds`; ± 10 %, never while
 * the page is hidden, at once when it is shown again after that came due): status-reads.ts
 * shares one read among the elements showing the same user and paces the page's reads. An
 * answer older than two periods (reads failing: 429, network) is shown as the last known
 * status, as below ("Online · as of 14:02"). The host's `status` property and `data-status`
 * attribute mirror what is shown; `data-state` says which state that is, as on
 * <beacon-friend-list> (`disconnected`, `loading`, `error`, `ready`), and `data-connection`
 * is the connection's state. A connection that stops or cannot reach Beacon before the
 * status is read says so ("Status unavailable (offline)", or why it stopped), never "Loading…" for good, and
 * the status shows as soon as data arrives.
 *
 * What is shown is never passed off as live when it is not: while the connection is not
 * connected (reconnecting, polling, offline but still trying) the status shown is the last
 * known one, said so in words with the time of the last answer ("Online · as of 14:02"), its
 * dot grey (`dot-stale`), `data-stale` set; once the connection stopped for good (signed out,
 * the token refused, the connection ended) the status is unknown and the element says why,
 * as it does when that happens before any status was read.
 */
import { ApiError, type ConnectionState, type Status, type View } from '../client/index.js';
import { MAX_ID } from '../protocol/enums.js';
import { bdi, h, isolated } from '../web/lib/dom.js';
import { CONNECTION_LABEL, connectionLabel, STATUS_SHORT } from '../web/lib/labels.js';
import type { ConnectionLabel } from '../web/lib/label-types.js';
import { asOfTime, NextDay } from '../web/lib/as-of.js';
import { shownMessage } from '../web/lib/shown-message.js';
import { BeaconElement } from './beacon-element.js';
import type { BeaconConnection } from './connection.js';
import { statusDot } from './status-dot.js';
import { STALE_AFTER_PERIODS, STRANGER_REFRESH_MS, statusReadsOf, type WatchEvent } from './status-reads.js';

/** The longest `refresh-seconds` taken (a day); a larger value is taken as this. */
const MAX_REFRESH_SECONDS = 86_400;

/** What the element shows, in the vocabulary of <beacon-friend-list>'s `data-state`. */
type ShownState = 'disconnected' | 'loading' | 'error' | 'ready';

const CSS = `
:host { display: inline-block; }
.wrap { display: inline-flex; align-items: center; gap: calc(var(--_space) * 0.5); }
.message { font-style: italic; }
`;

export class BeaconStatusElement extends BeaconElement {
  static observedAttributes = ['user-id', 'show-message', 'refresh-seconds'];

  static define(tag = 'beacon-status', registry = customElements): typeof BeaconStatusElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #wrap = h('span', { class: 'wrap', part: 'status' });
  #status: Status | null = null;
  #stale = false;
  /** The message shown names a day relative to today (a calendar event's end, "until Tue 8:00 PM"). */
  #dated = false;
  /**
   * A status read over REST (a user who is neither the viewer nor a friend), through which
   * connection, when it arrived (device clock), and whether it was read while connected and the
   * connection has stayed so since (else it is shown as the last known, with its time).
   */
  #read: { connection: BeaconConnection; id: number; view: View; at: number; current: boolean } | null = null;
  /** Bumped per bind so a late REST answer for an old user id is dropped. */
  #run = 0;
  /**
   * Nothing read yet and nothing went wrong with a read: "Loading status…", or "Status
   * unavailable (offline)" while the connection is offline. These follow the connection, as
   * does a status shown (live, or the last known while not live).
   */
  #waiting = false;

  constructor() {
    super(CSS);
    this.root.append(this.#wrap);
  }

  /**
   * The user shown; mirrors the `user-id` attribute. Null (shown as "Unknown user") unless it
   * is an id Beacon can have: 1 to MAX_ID (2^31 - 1). A host's own larger id (one Beacon has
   * not mapped to one of its own) names no Beacon user.
   */
  get userId(): number | null {
    const n = Number(this.getAttribute('user-id'));
    return Number.isInteger(n) && n >= 1 && n <= MAX_ID ? n : null;
  }

  set userId(id: number | null) {
    if (id === null) this.removeAttribute('user-id');
    else this.setAttribute('user-id', String(id));
  }

  /**
   * How often, in seconds, the status of a user who is neither the viewer nor a friend is read
   * again while the page is shown; mirrors the `refresh-seconds` attribute. 60 unless it is a
   * number of at least 1 (at most a day). Friends and the viewer are live: no reads.
   */
  get refreshSeconds(): number {
    const n = Number(this.getAttribute('refresh-seconds') ?? NaN);
    return Number.isFinite(n) && n >= 1 ? Math.min(n, MAX_REFRESH_SECONDS) : STRANGER_REFRESH_MS / 1000;
  }

  set refreshSeconds(seconds: number) {
    this.setAttribute('refresh-seconds', String(seconds));
  }

  /** What is shown now (the last known status while {@link stale}); null while unknown. */
  get status(): Status | null {
    return this.#status;
  }

  /**
   * True while the status shown is the last known one, not live: the connection is not
   * connected (reconnecting, polling, offline), or a status read over REST was read before the
   * last reconnect or is older than two periods of {@link refreshSeconds}. Mirrored by the host
   * attribute `data-stale`.
   */
  get stale(): boolean {
    return this.#stale;
  }

  attributeChangedCallback(): void {
    this.refresh();
  }

  protected bind(connection: BeaconConnection | null): Array<() => void> {
    const run = ++this.#run;
    const id = this.userId;
    this.#connectionState(connection ? connection.client.state : 'offline');
    if (!connection || id === null) {
      if (connection) this.#text('Unknown user', 'unknown', 'error');
      else this.#text('Status unavailable', 'unknown', 'disconnected');
      return [];
    }
    const { client } = connection;
    const reads = statusReadsOf(connection);
    const periodMs = this.refreshSeconds * 1000;
    /** This user's status as last read over REST through this connection, if it was. */
    const read = () => (this.#read?.connection === connection && this.#read.id === id ? this.#read : null);
    /**
     * No status to show: "loading" while the connection is trying, but never for good: once it is
     * offline say the status is unavailable, and why, as <beacon-friend-list> does: the sign-in
     * refused or ended (the client stopped for good), the connection ended by the page, or
     * Beacon unreachable (it keeps retrying; data arriving later replaces this).
     */
    const unavailable = (): void => {
      if (client.state !== 'offline') this.#text('Loading status…', 'loading', 'loading');
      else if (client.stopReason === 'unauthorized') this.#text(client.noToken ? 'Status unavailable (not signed in)' : 'Status unavailable (signed out of Beacon)', 'unknown', 'error');
      else if (client.stopReason === 'stopped') this.#text('Status unavailable (not connected)', 'unknown', 'disconnected');
      else this.#text('Status unavailable (offline)', 'unknown', 'error');
      this.#waiting = true;
    };
    const live = (): View | null => (client.self?.user_id === id ? client.self : (client.friend(id) ?? null));
    /**
     * The client's stops seen by this binding: a read made before one (maybe another login's,
     * through a token since signed out) is never shown after it, even when the client started
     * again and its answer comes after the fresh read's.
     */
    let stops = 0;
    /**
     * The connection was not live since the last read began: a status read over REST is read
     * again once it is. After a reconnect its `ready` does it; after the refetch that follows a
     * `seq` gap (the socket kept, no `ready`) the `synced` that says the client is live again.
     */
    let readBehind = false;
    /**
     * The status, live while connected; else the last known one, said to be so with the time
     * of the last answer (the client's last sync, or the REST read's arrival). Once the client
     * stopped for good (signed out, the token refused, the connection ended) no status: it will
     * not be updated again, so what it was is no status to show.
     */
    const show = (): void => {
      showNow();
      // Shown as last known: said again after midnight, when its "as of" needs the date; a
      // calendar event's end too, live or not ("until Tue 8:00 PM" reads "until 8:00 PM" then).
      if (this.#stale || this.#dated) nextDay.arm();
      else nextDay.disarm();
    };
    const showNow = (): void => {
      if (client.state === 'offline' && client.stopReason !== null) return unavailable();
      const connected = client.state === 'connected';
      const view = live();
      if (view) return this.#render(view, connected ? null : { at: client.lastSyncAt, state: connectionLabel(client) });
      const known = read();
      if (!known) return unavailable();
      // Read again every period: an answer two periods old (reads failing) is no current status.
      const fresh = Date.now() - known.at < STALE_AFTER_PERIODS * periodMs;
      this.#render(known.view, connected && known.current && fresh ? null : { at: known.at, state: connectionLabel(client) });
    };
    /**
     * Every answer for this user through the page's reader (this element's reads, the periodic
     * ones, other elements' of the same user) once bound; `old` when the last is two periods old.
     */
    const heard = (event: WatchEvent): void => {
      if (live()) return;
      if (event.type === 'gone') {
        // Deleted meanwhile: no more reads (a reconnect reads once again).
        unwatch?.();
        unwatch = null;
        return this.#text('Unknown user', 'unknown', 'error');
      }
      if (event.type === 'answer') {
        const { view, at, current } = event.answer;
        this.#read = { connection, id, view, at, current };
      }
      if (event.type === 'answer' || read()) show();
    };
    /** While this user is a stranger here, their status is read again periodically. */
    let unwatch: (() => void) | null = null;
    const watching = (): void => {
      const want = !live();
      if (want && !unwatch) unwatch = reads.watch(id, periodMs, heard, read()?.at ?? null);
      else if (!want && unwatch) {
        unwatch();
        unwatch = null;
      }
    };
    const fetchOnce = (): void => {
      watching();
      if (live()) return;
      readBehind = false;
      const stopsThen = stops;
      const current = (): boolean => run === this.#run && stopsThen === stops && !live();
      // The answer comes through `heard`; a failure is said here.
      reads.read(id).catch((err: unknown) => current() && this.#text(isNoSuchUser(err) ? 'Unknown user' : 'Status unavailable', 'unknown', 'error'));
    };
    /** Whatever follows the connection is on screen: a status (live or last known), or the wait for one. */
    const following = (): boolean => this.#waiting || this.#status !== null;
    const nextDay = new NextDay(() => following() && show());
    // Until this user's status is read, say so, rather than keep showing another user's
    // (user-id changed) or nothing at all (added after sign-in).
    show();
    watching();
    if (!live() && client.self) fetchOnce();
    return [
      () => nextDay.disarm(),
      () => unwatch?.(),
      client.on('state', (state) => {
        this.#connectionState(state);
        const known = read();
        // A status read before the connection dropped is the last known one until read again.
        if (state !== 'connected') readBehind = true;
        if (known && state !== 'connected') known.current = false;
        // A failed read's own message stays.
        if (following()) show();
      }),
      // A stop while already offline changes no state, but what may be shown (the status is now unknown).
      client.on('stopped', () => {
        stops++;
        if (following()) show();
      }),
      // Polling or not live: each answer moves "as of" on. Live again without a `ready` (the
      // refetch after a gap applied): a status read over REST meanwhile is read again.
      client.on('synced', () => {
        if (client.state !== 'connected') return void (this.#status !== null && show());
        if (readBehind && client.self) fetchOnce();
      }),
      client.on('self', () => {
        watching();
        if (live()) show();
      }),
      client.on('friend', ({ view }) => {
        if (view.user_id !== id) return;
        watching(); // a friend now: live, no more reads
        show();
      }),
      // A friend removed, or a first snapshot without them: read the status as a stranger would.
      client.on('friend_removed', ({ friendId }) => friendId === id && fetchOnce()),
      client.on('ready', () => {
        watching();
        if (live()) show();
        else fetchOnce();
      }),
    ];
  }

  /** `stale`: the status is the last known one (not live), as of `at` (null: no time known). */
  #render(view: View, stale: { at: number | null; state: ConnectionLabel } | null): void {
    const word = STATUS_SHORT[view.status];
    this.#status = view.status;
    this.#stale = stale !== null;
    this.dataset.status = view.status;
    this.dataset.state = 'ready';
    this.toggleAttribute('data-stale', this.#stale);
    this.#waiting = false;
    const message = this.hasAttribute('show-message') ? shownMessage(view) : null;
    this.#dated = message?.until != null;
    const dot = statusDot(view.status);
    // For the title: the time isolated for bidi there as the <bdi> isolates it in the text.
    const asOf = stale ? (stale.at === null ? 'last known' : `as of ${isolated(asOfTime(stale.at))}`) : null;
    if (stale) {
      // Not the live colour: a grey dot of the status's shape, the words saying since when.
      dot.setAttribute('part', 'dot dot-stale');
      dot.setAttribute('class', 'dot stale');
    }
    this.#wrap.replaceChildren(
      dot,
      h('span', { class: 'label', part: 'label' }, word),
      stale ? h('span', { class: 'as-of muted', part: 'as-of' }, ...(stale.at === null ? ['· last known'] : ['· as of ', bdi(asOfTime(stale.at))])) : '',
      message ? h('span', { class: 'message muted', part: 'message', dir: 'auto' }, '“', ...message.parts, '”') : '',
    );
    this.#wrap.title = stale
      ? `${view.display_name}: ${word}, last known${stale.at === null ? '' : ` (${asOf})`}; not live (${CONNECTION_LABEL[stale.state]})`
      : `${view.display_name}: ${word}`;
  }

  #connectionState(state: ConnectionState): void {
    this.dataset.connection = state;
  }

  /** A message instead of a status: `status` goes to data-status (`unknown`/`loading`), `state` to data-state. */
  #text(text: string, status: 'unknown' | 'loading', state: ShownState): void {
    this.#status = null;
    this.#stale = false;
    this.#dated = false;
    this.#read = null;
    this.dataset.status = status;
    this.dataset.state = state;
    this.removeAttribute('data-stale');
    this.#waiting = false;
    this.#wrap.replaceChildren(h('span', { class: 'label muted', part: 'label' }, text));
    this.#wrap.removeAttribute('title');
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-status': BeaconStatusElement;
  }
}

/** The API's answer for an id that names no user: 404, or 400 for an id it refuses as such. */
function isNoSuchUser(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 404 || err.status === 400);
}
