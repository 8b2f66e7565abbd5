/**
 * Base of the drop-in elements: an open shadow root with the shared styles, and the
 * binding to a connection (its own `connection` property, else the page-wide default
 * from `connect()`), re-bound whenever either changes.
 */
import { defaultConnection, onDefaultConnectionChange, type BeaconConnection } from './connection.js';
import { adoptStyles, BASE_CSS } from './styles.js';

/**
 * `HTMLElement`, or where there is none (a server rendering the page evaluates its imports
 * too) a bare class, so importing the elements does not throw there. Nothing is defined
 * without `customElements` (index.ts), and the browser's import makes the real ones.
 */
const ElementBase: typeof HTMLElement = typeof HTMLElement === 'undefined' ? (class {} as unknown as typeof HTMLElement) : HTMLElement;

export abstract class BeaconElement extends ElementBase {
  protected readonly root: ShadowRoot;
  #own: BeaconConnection | null = null;
  #bound: BeaconConnection | null | undefined = undefined;
  #unbind: Array<() => void> = [];
  #offDefault: (() => void) | null = null;

  constructor(css: string) {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    adoptStyles(this.root, BASE_CSS, css);
  }

  /** The connection this element reads: set one to show another user's data, else `connect()`'s. */
  get connection(): BeaconConnection | null {
    return this.#own ?? defaultConnection();
  }

  set connection(value: BeaconConnection | null) {
    this.#own = value;
    if (this.isConnected) this.#rebind();
  }

  connectedCallback(): void {
    this.#offDefault ??= onDefaultConnectionChange(() => this.#rebind());
    this.#rebind();
  }

  disconnectedCallback(): void {
    this.#offDefault?.();
    this.#offDefault = null;
    this.#release();
    this.#bound = undefined;
  }

  /** Subscribes to `connection` (null: not connected) and renders; returns the unsubscribers. */
  protected abstract bind(connection: BeaconConnection | null): Array<() => void>;

  /** Binds again, e.g. after an attribute that changes what is shown. */
  protected refresh(): void {
    if (!this.isConnected) return;
    this.#release();
    this.#unbind = this.bind(this.#bound ?? null);
  }

  #rebind(): void {
    const next = this.connection;
    if (next === this.#bound) return;
    this.#release();
    this.#bound = next;
    this.#unbind = this.bind(next);
  }

  #release(): void {
    for (const off of this.#unbind) off();
    this.#unbind = [];
  }
}
