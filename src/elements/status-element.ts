/**
 * <beacon-status user-id="42">: one user's status as a dot AND a word ("Busy"), never by
 * colour alone; optionally their message (attribute `show-message`). Live for the signed-in
 * user and their friends; anyone else is read once over REST (as they allow the viewer to
 * see) and again at each reconnect. The host's `status` property and `data-status`
 * attribute mirror what is shown; `data-state` says which state that is, as on
 * <beacon-friend-list> (`disconnected`, `loading`, `error`, `ready`), and `data-connection`
 * is the connection's state. A connection that stops or cannot reach Beacon before the
 * status is read says so ("Status unavailable (offline)", or why it stopped), never "Loading…" for good, and
 * the status shows as soon as data arrives.
 */
import { ApiError, type ConnectionState, type Status, type View } from '../client/index.js';
import { MAX_ID } from '../protocol/enums.js';
import { h } from '../web/lib/dom.js';
import { STATUS_SHORT } from '../web/lib/labels.js';
import { BeaconElement } from './beacon-element.js';
import type { BeaconConnection } from './connection.js';
import { statusDot } from './status-dot.js';

/** What the element shows, in the vocabulary of <beacon-friend-list>'s `data-state`. */
type ShownState = 'disconnected' | 'loading' | 'error' | 'ready';

const CSS = `
:host { display: inline-block; }
.wrap { display: inline-flex; align-items: center; gap: calc(var(--_space) * 0.5); }
.message { font-style: italic; }
`;

export class BeaconStatusElement extends BeaconElement {
  static observedAttributes = ['user-id', 'show-message'];

  static define(tag = 'beacon-status', registry = customElements): typeof BeaconStatusElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #wrap = h('span', { class: 'wrap', part: 'status' });
  #status: Status | null = null;
  /** Whose status #status is, as read through which connection. */
  #shownFor: { connection: BeaconConnection | null; id: number } | null = null;
  /** Bumped per bind so a late REST answer for an old user id is dropped. */
  #run = 0;
  /**
   * Nothing read yet and nothing went wrong with a read: "Loading status…", or "Status
   * unavailable (offline)" while the connection is offline. Only these follow the connection.
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

  /** What is shown now; null while unknown. */
  get status(): Status | null {
    return this.#status;
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
    /** True while this user's status, read through this connection, is on screen. */
    const shown = (): boolean => this.#shownFor?.id === id && this.#shownFor.connection === connection;
    /**
     * Nothing read yet: "loading" while the connection is trying, but never for good: once it is
     * offline say the status is unavailable, and why, as <beacon-friend-list> does: the sign-in
     * refused or ended (the client stopped for good), the connection ended by the page, or
     * Beacon unreachable (it keeps retrying; data arriving later replaces this).
     */
    const waiting = (): void => {
      if (shown()) return;
      if (client.state !== 'offline') this.#text('Loading status…', 'loading', 'loading');
      else if (client.stopReason === 'unauthorized') this.#text(client.noToken ? 'Status unavailable (not signed in)' : 'Status unavailable (signed out of Beacon)', 'unknown', 'error');
      else if (client.stopReason === 'stopped') this.#text('Status unavailable (not connected)', 'unknown', 'disconnected');
      else this.#text('Status unavailable (offline)', 'unknown', 'error');
      this.#waiting = true;
    };
    const live = (): View | null => (client.self?.user_id === id ? client.self : (client.friend(id) ?? null));
    const fetchOnce = (): void => {
      if (live()) return;
      connection.api.userStatus(id).then(
        (view) => run === this.#run && !live() && this.#render(view),
        (err: unknown) => run === this.#run && !live() && this.#text(isNoSuchUser(err) ? 'Unknown user' : 'Status unavailable', 'unknown', 'error'),
      );
    };
    const update = (): void => {
      const view = live();
      if (view) this.#render(view);
    };
    if (live()) update();
    else {
      // Until this user's status is read, say so, rather than keep showing another user's
      // (user-id changed) or nothing at all (added after sign-in).
      waiting();
      if (client.self) fetchOnce();
    }
    return [
      client.on('state', (state) => {
        this.#connectionState(state);
        // Only the waiting states follow the connection: a status read stays (with
        // data-connection saying it is not live), and so does a failed read's own message.
        if (this.#waiting) waiting();
      }),
      client.on('self', update),
      client.on('friend', ({ view }) => view.user_id === id && this.#render(view)),
      // A friend removed, or a first snapshot without them: read the status as a stranger would.
      client.on('friend_removed', ({ friendId }) => friendId === id && fetchOnce()),
      client.on('ready', () => (live() ? update() : fetchOnce())),
    ];
  }

  #render(view: View): void {
    this.#status = view.status;
    this.#shownFor = { connection: this.connection, id: view.user_id };
    this.dataset.status = view.status;
    this.dataset.state = 'ready';
    this.#waiting = false;
    const message = this.hasAttribute('show-message') && view.custom_message ? view.custom_message : null;
    this.#wrap.replaceChildren(
      statusDot(view.status),
      h('span', { class: 'label', part: 'label' }, STATUS_SHORT[view.status]),
      message ? h('span', { class: 'message muted', part: 'message' }, `“${message}”`) : '',
    );
    this.#wrap.title = `${view.display_name}: ${STATUS_SHORT[view.status]}`;
  }

  #connectionState(state: ConnectionState): void {
    this.dataset.connection = state;
  }

  /** A message instead of a status: `status` goes to data-status (`unknown`/`loading`), `state` to data-state. */
  #text(text: string, status: 'unknown' | 'loading', state: ShownState): void {
    this.#status = null;
    this.#shownFor = null;
    this.dataset.status = status;
    this.dataset.state = state;
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
