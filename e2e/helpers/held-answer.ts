/**
 * A slow network for one request: the page's first request of a URL and method is held until
 * the test releases it, so the test sees the page while a change is on its way, and then what
 * the page does with the late answer.
 *
 * handled() learns that the page read the answer from a header on it, seen by the page's own
 * fetch: it needs a same-origin request (a cross-origin answer does not expose the header to the
 * page), made with fetch, by the document holdAnswer() was called on (no navigation since), and
 * not aborted. Otherwise it fails after its timeout, saying so.
 */
import type { Page, Request, Route } from 'playwright-core';

export interface HeldAnswer {
  /** Settles once the request is held (`at: 'answer'`: the server has already applied it). */
  readonly reached: Promise<void>;
  /** Lets it go on. */
  release(): void;
  /**
   * Settles once the page was handed the whole answer (the browser finished the request). Rejects,
   * saying so, when the request failed instead: the page aborted it or went away.
   */
  readonly answered: Promise<void>;
  /**
   * Settles once the page has read the answer and a task queued after that has run: whatever
   * the page's code does with the answer in the same turn (its promise continuations) is done.
   * A signal for "nothing changed after the late answer", instead of a sleep. Rejects, saying
   * why, when the page navigated since holdAnswer() (at once), or has not read it within
   * `timeoutMs` (default 5 s): a cross-origin request, a fetch the page aborted, an answer not
   * released (see the module's comment).
   */
  handled(timeoutMs?: number): Promise<void>;
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
/** How long handled() waits by default for the page to read the answer: far longer than reading it takes. */
const HANDLED_WITHIN_MS = 5_000;
let nextId = 0;

type ReaderWindow = Window & { e2eHeldRead?: (id: string) => Promise<void> };

/**
 * Holds page `page`'s first request to `url` (a glob, RegExp or URL predicate, as page.route)
 * with `method` that `match`es, until `release()`. The page's later requests pass through
 * untouched (the route is never removed: see the end of `hold`).
 */
export async function holdAnswer(page: Page, url: string | RegExp | ((url: URL) => boolean), opts: HoldOptions = {}): Promise<HeldAnswer> {
  const { method = 'PUT', match = () => true, at = 'answer' } = opts;
  const id = String(++nextId);
  const signal = () => {
    let settle!: () => void;
    let fail!: (reason: Error) => void;
    let settled = false;
    const promise = new Promise<void>((resolve, reject) => ((settle = resolve), (fail = reject)));
    // A rejection nobody awaits is the test's choice, not an unhandled one; awaiting it still throws.
    promise.catch(() => undefined);
    return { promise, settle: () => ((settled = true), settle()), fail: (reason: Error) => ((settled = true), fail(reason)), settled: () => settled };
  };
  const [reached, released, answered] = [signal(), signal(), signal()];
  await page.evaluate(installReader, HELD);
  /** The request held, once it is. */
  let held: Request | null = null;
  // The browser's own word on the held request: fulfilling it succeeds even when the page has
  // aborted it meanwhile, so the answer counts as handed over only once the request finished.
  const ended = (request: Request, failure?: string): void => {
    if (request !== held) return;
    page.off('requestfinished', finished).off('requestfailed', failed);
    if (failure === undefined) answered.settle();
    else answered.fail(new Error(`holdAnswer: could not hand over the answer to ${request.method()} ${request.url()}: the request failed in the page (${failure}; aborted, or the page went away)`));
  };
  const finished = (request: Request): void => ended(request);
  const failed = (request: Request): void => ended(request, request.failure()?.errorText ?? 'failed');
  page.on('requestfinished', finished).on('requestfailed', failed);
  const hold = async (route: Route): Promise<void> => {
    const request = route.request();
    if (held || request.method() !== method || !match(request)) return route.fallback();
    held = request;
    try {
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
    } catch (err) {
      answered.fail(new Error(`holdAnswer: could not hand over the answer to ${request.method()} ${request.url()}: ${String(err)}`));
      // Not left hanging in the page (the route stays, so nothing else would end it).
      await route.abort().catch(() => undefined);
    }
    // The route stays (every later request passes through it untouched): removing the page's last
    // route turns its interception off, and the page's next request, sent as soon as this answer is
    // read, could be paused just then and never go out (seen: the status set right after a held one
    // never left the page; helpers/unroute.ts).
  };
  await page.route(url, hold);
  const handled = async (timeoutMs = HANDLED_WITHIN_MS): Promise<void> => {
    const what = held ? `${held.method()} ${held.url()}` : `${method} ${String(url)} (never held)`;
    // false: this document has no reader, so it is not the one holdAnswer() was called on.
    const read = page.evaluate((heldId) => (window as ReaderWindow).e2eHeldRead?.(heldId).then(() => true) ?? false, id);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    try {
      const outcome = await Promise.race([read, late]);
      if (outcome === true) return;
      if (outcome === false) throw new Error(`holdAnswer: the page navigated since holdAnswer(), so handled() cannot see it read the answer to ${what}`);
      read.catch(() => undefined); // still waiting in the page: its end is of no interest now
      throw new Error(
        `holdAnswer: the page has not read the answer to ${what} within ${timeoutMs} ms` +
          (answered.settled() ? '' : ' (it was not handed over: release() it first)') +
          `. handled() sees it read only by a same-origin fetch (a cross-origin answer does not expose the ${HELD} header to the page) that the page did not abort.`,
      );
    } finally {
      clearTimeout(timer);
    }
  };
  return { reached: reached.promise, release: released.settle, answered: answered.promise, handled };
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
