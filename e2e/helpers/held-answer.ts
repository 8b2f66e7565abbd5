/**
 * A slow network for one request: the page's first request of a URL and method is held until
 * the test releases it, so the test sees the page while a change is on its way, and then what
 * the page does with the late answer.
 */
import type { Page, Request } from 'playwright-core';

export interface HeldAnswer {
  /** Settles once the request is held (`at: 'answer'`: the server has already applied it). */
  readonly reached: Promise<void>;
  /** Lets it go on. */
  release(): void;
  /** Settles once the page was handed the answer. */
  readonly answered: Promise<void>;
  /**
   * Settles once the page has read the answer and a task queued after that has run: whatever
   * the page's code does with the answer in the same turn (its promise continuations) is done.
   * A signal for "nothing changed after the late answer", instead of a sleep. The page must not
   * have navigated since holdAnswer().
   */
  handled(): Promise<void>;
}

export interface HoldOptions {
  /** The request's method (default PUT). */
  method?: string;
  /** Of those, which to hold (e.g. by its body); the first that matches is held, the rest pass. */
  match?: (request: Request) => boolean;
  /**
   * Where it waits: `'answer'` (default) the server gets it at once and its answer is held on its
   * way back; `'request'` it waits before it reaches the server.
   */
  at?: 'answer' | 'request';
}

/** The answer header that tells the page's reader (installed by holdAnswer) which held answer it reads. */
const HELD = 'x-e2e-held-answer';
let nextId = 0;

type ReaderWindow = Window & { e2eHeldRead?: (id: string) => Promise<void> };

/**
 * Holds page `page`'s first request to `url` (a glob, RegExp or URL predicate, as page.route)
 * with `method` that `match`es, until `release()`.
 */
export async function holdAnswer(page: Page, url: string | RegExp | ((url: URL) => boolean), opts: HoldOptions = {}): Promise<HeldAnswer> {
  const { method = 'PUT', match = () => true, at = 'answer' } = opts;
  const id = String(++nextId);
  const signal = () => {
    let settle!: () => void;
    return { promise: new Promise<void>((r) => (settle = r)), settle: () => settle() };
  };
  const [reached, released, answered] = [signal(), signal(), signal()];
  await page.evaluate(installReader, HELD);
  let held = false;
  await page.route(url, async (route) => {
    const request = route.request();
    if (held || request.method() !== method || !match(request)) return route.fallback();
    held = true;
    if (at === 'request') {
      reached.settle();
      await released.promise;
    }
    const response = await route.fetch();
    if (at === 'answer') {
      reached.settle();
      await released.promise;
    }
    await route.fulfill({ response, headers: { ...response.headers(), [HELD]: id } });
    answered.settle();
  });
  return {
    reached: reached.promise,
    release: released.settle,
    answered: answered.promise,
    handled: () => page.evaluate((heldId) => (window as ReaderWindow).e2eHeldRead!(heldId), id),
  };
}

/**
 * Runs in the page: wraps fetch so that an answer marked held settles `e2eHeldRead(id)` in a
 * task queued once its body was read (an answer without a body: once it was handed over). The
 * page's code reads it in promise continuations, which all run before that task.
 */
function installReader(header: string): void {
  const w = window as ReaderWindow;
  if (w.e2eHeldRead) return;
  const settled = new Map<string, { promise: Promise<void>; settle: () => void }>();
  const entry = (id: string) => {
    let e = settled.get(id);
    if (!e) {
      let settle!: () => void;
      const promise = new Promise<void>((r) => (settle = r));
      e = { promise, settle: () => settle() };
      settled.set(id, e);
    }
    return e;
  };
  w.e2eHeldRead = (id) => entry(id).promise;
  const nativeFetch = window.fetch;
  window.fetch = async (...args: Parameters<typeof fetch>) => {
    const res = await nativeFetch.apply(window, args);
    const id = res.headers.get(header);
    if (id === null) return res;
    const read = () => void setTimeout(() => entry(id).settle(), 0);
    if (res.status === 204 || res.body === null) {
      read();
      return res;
    }
    for (const name of ['text', 'json', 'arrayBuffer', 'blob'] as const) {
      const body = res[name].bind(res) as () => Promise<unknown>;
      Object.defineProperty(res, name, { value: () => body().finally(read) });
    }
    return res;
  };
}
