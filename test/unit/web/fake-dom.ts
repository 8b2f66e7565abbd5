/**
 * Just enough DOM for web-app code built with `h()` to run under Node: elements with
 * attributes, children, text, listeners and focus. Import it before the code under test
 * (modules that define custom elements need `HTMLElement` when they load).
 */

export class FakeNode {
  parent: FakeElement | null = null;
  constructor(public text = '') {}
  get textContent(): string {
    return this.text;
  }
}

export class FakeElement extends FakeNode {
  readonly attributes = new Map<string, string>();
  children: FakeNode[] = [];
  readonly #listeners = new Map<string, Array<(e: unknown) => void>>();
  value = '';
  tabIndex = 0;

  constructor(readonly tagName: string) {
    super();
  }

  // Boolean attributes reflect, as in a browser (`h()` sets them as attributes).
  get hidden(): boolean {
    return this.attributes.has('hidden');
  }

  set hidden(on: boolean) {
    this.#flag('hidden', on);
  }

  get disabled(): boolean {
    return this.attributes.has('disabled');
  }

  set disabled(on: boolean) {
    this.#flag('disabled', on);
  }

  #flag(name: string, on: boolean): void {
    if (on) this.attributes.set(name, '');
    else this.attributes.delete(name);
  }

  override get textContent(): string {
    return this.children.map((c) => c.textContent).join('');
  }

  override set textContent(text: string) {
    this.replaceChildren(text);
  }

  setAttribute(name: string, value: string): void {
    this.attributes.set(name, String(value));
  }

  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }

  removeAttribute(name: string): void {
    this.attributes.delete(name);
  }

  append(...nodes: Array<FakeNode | string>): void {
    for (const n of nodes) {
      const node = typeof n === 'string' ? new FakeNode(n) : n;
      node.parent?.children.splice(node.parent.children.indexOf(node), 1);
      node.parent = this;
      this.children.push(node);
    }
  }

  replaceChildren(...nodes: Array<FakeNode | string>): void {
    for (const c of this.children) c.parent = null;
    this.children = [];
    this.append(...nodes);
  }

  contains(node: FakeNode | null): boolean {
    for (let n = node; n; n = n.parent) if (n === this) return true;
    return false;
  }

  addEventListener(type: string, fn: (e: unknown) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), fn]);
  }

  removeEventListener(type: string, fn: (e: unknown) => void): void {
    this.#listeners.set(type, (this.#listeners.get(type) ?? []).filter((f) => f !== fn));
  }

  dispatchEvent(e: { type: string }): boolean {
    for (const fn of this.#listeners.get(e.type) ?? []) fn(e);
    return true;
  }

  click(): void {
    this.dispatchEvent({ type: 'click' });
  }

  focus(): void {
    fakeDocument.activeElement = this;
  }

  /** Every element below this one, depth first. */
  descendants(): FakeElement[] {
    return this.children.flatMap((c) => (c instanceof FakeElement ? [c, ...c.descendants()] : []));
  }

  /** The first element below with `attr` equal to `value` (a stand-in for querySelector). */
  find(attr: string, value: string): FakeElement | undefined {
    return this.descendants().find((e) => e.getAttribute(attr) === value);
  }
}

export const fakeDocument = {
  activeElement: null as FakeElement | null,
  createElement: (tag: string) => new FakeElement(tag.toUpperCase()),
  addEventListener: () => undefined,
  removeEventListener: () => undefined,
};

const g = globalThis as Record<string, unknown>;
g.document ??= fakeDocument;
g.Node ??= FakeNode;
g.HTMLElement ??= FakeElement;
