/**
 * <beacon-relative-time> and its one shared timer, on a stand-in for the few DOM calls it makes
 * (no DOM in unit tests). A friend list of n offline friends puts n of them on the page: each one
 * joining used to walk every other one, parsing its datetime again (n²/2 parses: half a million for
 * 1,000 friends, 12.5 million for 5,000, a minute of frozen page). Found by the big-accounts audit.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** What the element touches of a <time>. */
interface FakeTime {
  textContent: string;
  dateTime: string;
  title: string;
}

/** Just enough of HTMLElement: attributes (with the observed-attribute callback), children, being connected. */
class FakeElement {
  isConnected = false;
  readonly attrs = new Map<string, string>();
  readonly kids: FakeTime[] = [];

  getAttribute(name: string): string | null {
    return this.attrs.get(name) ?? null;
  }

  setAttribute(name: string, value: string): void {
    const old = this.getAttribute(name);
    this.attrs.set(name, value);
    const observed = (this.constructor as { observedAttributes?: string[] }).observedAttributes ?? [];
    const self = this as unknown as { attributeChangedCallback?: (n: string, o: string | null, v: string) => void };
    if (observed.includes(name)) self.attributeChangedCallback?.(name, old, value);
  }

  append(...nodes: FakeTime[]): void {
    this.kids.push(...nodes);
  }
}

const fakeDocument = {
  visibilityState: 'visible',
  addEventListener: (): void => undefined,
  createElement: (): FakeTime => ({ textContent: '', dateTime: '', title: '' }),
};

type Element = FakeElement & { connectedCallback(): void; disconnectedCallback(): void };

beforeEach(() => {
  vi.stubGlobal('HTMLElement', FakeElement);
  vi.stubGlobal('document', fakeDocument);
});

// The element module is imported once, on the stand-ins (each test stubs them again: they are undone after each).
async function elementClass(): Promise<new () => Element> {
  const mod = await import('../../../src/web/elements/relative-time.js');
  return mod.RelativeTimeElement as unknown as new () => Element;
}

const mounted: Element[] = [];

/** A "last seen" as a friend card makes it (attributes first, then into the page). */
function lastSeen(Ctor: new () => Element, iso: string): Element {
  const el = new Ctor();
  el.setAttribute('datetime', iso);
  el.setAttribute('prefix', 'last seen ');
  el.setAttribute('precision', 'minute');
  el.isConnected = true;
  el.connectedCallback();
  mounted.push(el);
  return el;
}

const text = (el: Element): string => el.kids[0]?.textContent ?? '';

afterEach(() => {
  for (const el of mounted.splice(0)) {
    el.isConnected = false;
    el.disconnectedCallback();
  }
  vi.useRealTimers();
});

describe('<beacon-relative-time> with many on the page', () => {
  it('parses each of 1,000 times once as they join, not once more for each one joining after', async () => {
    const Ctor = await elementClass();
    let parses = 0;
    const RealDate = Date;
    // Counts the Dates made from a string: each is one parse of a datetime.
    class CountingDate extends RealDate {
      constructor(...args: unknown[]) {
        super(...(args as []));
        if (typeof args[0] === 'string') parses += 1;
      }
    }
    vi.stubGlobal('Date', CountingDate);
    const now = RealDate.now();
    for (let i = 0; i < 1_000; i++) lastSeen(Ctor, new RealDate(now - 120_000 - i * 97_000).toISOString().replace(/\d\d\.\d{3}Z$/, '00.000Z'));
    vi.unstubAllGlobals();
    // Each time read once (it was 1,000 + 500,500), and every text is there.
    expect(parses).toBeLessThanOrEqual(1_000);
    expect(mounted.every((el) => text(el).startsWith('last seen '))).toBe(true);
  });

  it('keeps one timer for all of them, waking when the soonest text changes and updating the ones that change', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-10T12:00:20.000Z') });
    const Ctor = await elementClass();
    // Floored to the minute (what friends get): "just now" until 45 s after the minute's end.
    const recent = lastSeen(Ctor, '2026-03-10T12:00:00.000Z');
    // 3 h ago (and up to 200 s more): "3 hours ago" until 3.5 h, when it turns into "4 hours ago".
    const older = Array.from({ length: 200 }, (_, i) => lastSeen(Ctor, new Date(Date.parse('2026-03-10T09:00:00.000Z') - i * 1_000).toISOString()));
    expect(vi.getTimerCount()).toBe(1);
    expect(text(recent)).toBe('last seen just now');
    expect(text(older[0]!)).toBe('last seen 3 hours ago');
    const before = older.map(text);

    // 12:01:45 is 45 s past the end of the minute the friend left in.
    vi.advanceTimersByTime(84_000);
    expect(text(recent)).toBe('last seen just now');
    vi.advanceTimersByTime(1_100);
    expect(text(recent)).toBe('last seen 1 minute ago');
    expect(older.map(text)).toEqual(before);
    expect(vi.getTimerCount()).toBe(1);

    // Half an hour on, the hours of the older ones have moved too (and still one timer).
    vi.advanceTimersByTime(30 * 60_000);
    expect(text(recent)).toBe('last seen 31 minutes ago'); // from the middle of its minute
    expect(text(older[0]!)).toBe('last seen 4 hours ago');
    expect(vi.getTimerCount()).toBe(1);
  });

  it('reads a changed datetime at once, and stops the timer when the last one leaves', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-10T12:00:20.000Z') });
    const Ctor = await elementClass();
    const el = lastSeen(Ctor, '2026-03-10T11:00:00.000Z');
    expect(text(el)).toBe('last seen 1 hour ago');
    el.setAttribute('datetime', '2026-03-10T11:50:00.000Z');
    expect(text(el)).toBe('last seen 10 minutes ago');
    expect(el.kids[0]?.dateTime).toBe('2026-03-10T11:50:00.000Z');
    el.isConnected = false;
    el.disconnectedCallback();
    mounted.splice(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
