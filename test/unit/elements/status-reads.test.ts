/**
 * status-reads.ts, on a fake clock: a stranger's status on a <beacon-status> (no live channel)
 * used to be read once and shown as current for hours. It is read again every period while the
 * page is shown (never while hidden, at once when shown again after it came due), one read per
 * user however many elements show them, paced under the server's per-viewer limit, holding
 * every read for a 429's Retry-After; and its watchers hear `old` once the last answer is two
 * periods old (reads failing), so that it is shown as the last known status.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ConnectionState, type View } from '../../../src/client/index.js';
import { Emitter } from '../../../src/client/emitter.js';
import type { PresenceEvents } from '../../../src/client/presence-types.js';
import {
  READ_BURST,
  READS_PER_SECOND,
  REFRESH_JITTER,
  STALE_AFTER_PERIODS,
  STRANGER_REFRESH_MS,
  StatusReads,
  type ReadTimers,
  type WatchEvent,
} from '../../../src/elements/status-reads.js';
import { batchedStatusReads } from '../../../src/elements/status-batch.js';
import { MAX_STATUS_BATCH } from '../../../src/protocol/enums.js';

const PERIOD = STRANGER_REFRESH_MS;
/** The earliest and latest a periodic read comes after the last one ended. */
const EARLIEST = PERIOD * (1 - REFRESH_JITTER);
const LATEST = PERIOD * (1 + REFRESH_JITTER);

function view(id: number, status: View['status'] = 'online'): View {
  return { user_id: id, username: `u${id}`, display_name: `U${id}`, status, activity: null, custom_message: null, last_seen: null, timestamp: new Date().toISOString() } as View;
}

/** A client's state and its `state` and `stopped` events. */
function fakeClient(state: ConnectionState = 'connected') {
  const events = new Emitter<PresenceEvents>();
  const client = {
    state,
    stopReason: null as 'stopped' | 'unauthorized' | null,
    on: events.on.bind(events) as never,
    set(next: ConnectionState): void {
      client.state = next;
      events.emit('state', next);
    },
    stop(): void {
      client.stopReason = 'stopped';
      client.set('offline');
      events.emit('stopped', { reason: 'stopped' } as never);
    },
  };
  return client;
}

/** `document`'s visibility, switched by the test. */
function fakePage() {
  const fns = new Set<() => void>();
  const page = {
    visibilityState: 'visible' as 'visible' | 'hidden',
    addEventListener: (_: 'visibilitychange', fn: () => void) => void fns.add(fn),
    removeEventListener: (_: 'visibilitychange', fn: () => void) => void fns.delete(fn),
    show(shown: boolean): void {
      page.visibilityState = shown ? 'visible' : 'hidden';
      for (const fn of fns) fn();
    },
  };
  return page;
}

/** The jitter's draw: 0.5 is none, 0 the earliest, 1 the latest. */
let random: () => number = () => 0.5;
const timers: ReadTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  random: () => random(),
};

/** A server: answers each read (its id's status) at once, or with what `fail` says; every read recorded with its time. */
function fakeServer() {
  const sent: Array<{ id: number; at: number }> = [];
  const server = {
    sent,
    fail: null as ApiError | null,
    status: 'online' as View['status'],
    read: async (id: number): Promise<View> => {
      sent.push({ id, at: Date.now() });
      if (server.fail) throw server.fail;
      return view(id, server.status);
    },
    readsOf: (id: number) => sent.filter((s) => s.id === id).length,
  };
  return server;
}

function setup(state: ConnectionState = 'connected') {
  const server = fakeServer();
  const client = fakeClient(state);
  const page = fakePage();
  const reads = new StatusReads(server.read, client, { timers, page });
  return { server, client, page, reads };
}

/** Everything a watcher heard: `answer <status>`, `old`, `gone`. */
function listen(): { heard: string[]; listener: (e: WatchEvent) => void } {
  const heard: string[] = [];
  return { heard, listener: (e) => heard.push(e.type === 'answer' ? `answer ${e.answer.view.status}` : e.type) };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-12-08T14:00:00Z') });
  random = () => 0.5;
});
afterEach(() => vi.useRealTimers());

describe('a stranger\'s status on screen', () => {
  it('is read again a period after the last read (within the jitter), and again after that', async () => {
    const { server, reads } = setup();
    const { heard, listener } = listen();
    reads.watch(42, PERIOD, listener);
    random = () => 0; // the earliest the jitter allows (drawn when a read ends)
    await reads.read(42); // the element's read when bound
    expect(server.readsOf(42)).toBe(1);
    expect(heard).toEqual(['answer online']);
    server.status = 'offline'; // the stranger left
    random = () => 1; // then the latest
    await vi.advanceTimersByTimeAsync(EARLIEST - 1);
    expect(server.readsOf(42)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.readsOf(42)).toBe(2);
    expect(heard).toEqual(['answer online', 'answer offline']);
    await vi.advanceTimersByTimeAsync(LATEST - 1);
    expect(server.readsOf(42)).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.readsOf(42)).toBe(3);
  });

  it('turns old two periods after its last answer while the reads fail, and fresh again at the next answer', async () => {
    const { server, reads } = setup();
    const { heard, listener } = listen();
    reads.watch(42, PERIOD, listener);
    await reads.read(42);
    const answeredAt = Date.now();
    server.fail = new ApiError(0, 'NETWORK_ERROR', 'offline');
    await vi.advanceTimersByTimeAsync(STALE_AFTER_PERIODS * PERIOD - 1);
    expect(server.readsOf(42)).toBe(2); // tried again after one period, and failed
    expect(heard).toEqual(['answer online']);
    await vi.advanceTimersByTimeAsync(1);
    expect(Date.now() - answeredAt).toBe(STALE_AFTER_PERIODS * PERIOD);
    expect(heard).toEqual(['answer online', 'old']);
    server.fail = null;
    await vi.advanceTimersByTimeAsync(PERIOD);
    expect(heard).toEqual(['answer online', 'old', 'answer online']);
  });

  it('a 429 holds every read of the page for its Retry-After; they are made after it', async () => {
    const { server, reads } = setup();
    reads.watch(1, 2_000, () => undefined);
    await reads.read(1);
    server.fail = new ApiError(429, 'RATE_LIMITED', 'slow down', 30_000);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(server.sent.length).toBe(2); // refused
    server.fail = null;
    void reads.read(2); // another element's read meanwhile
    await vi.advanceTimersByTimeAsync(30_000 - 1);
    expect(server.sent.length).toBe(2); // both waited: user 1 came due at 4 s, user 2 was asked at 2 s
    await vi.advanceTimersByTimeAsync(1);
    expect(server.sent.map((s) => s.id)).toEqual([1, 1, 2, 1]);
  });

  it('a user found deleted by a periodic read: its watchers hear gone', async () => {
    const { server, reads } = setup();
    const { heard, listener } = listen();
    reads.watch(42, PERIOD, listener);
    await reads.read(42);
    server.fail = new ApiError(404, 'NOT_FOUND', 'No such user');
    await vi.advanceTimersByTimeAsync(PERIOD);
    expect(heard).toEqual(['answer online', 'gone']);
  });

  it('is no longer read once no element watches it', async () => {
    const { server, reads } = setup();
    const stop = reads.watch(42, PERIOD, () => undefined);
    await reads.read(42);
    stop();
    await vi.advanceTimersByTimeAsync(10 * PERIOD);
    expect(server.readsOf(42)).toBe(1);
  });

  it('the shortest period of the elements watching a user is the one kept (refresh-seconds)', async () => {
    const { server, reads } = setup();
    reads.watch(42, PERIOD, () => undefined);
    reads.watch(42, 2_000, () => undefined);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(server.readsOf(42)).toBe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(server.readsOf(42)).toBe(2);
  });
});

describe('while the page is hidden', () => {
  it('nothing is read; shown again after the period, it is read at once', async () => {
    const { server, page, reads } = setup();
    reads.watch(42, PERIOD, () => undefined);
    await reads.read(42);
    page.show(false);
    await vi.advanceTimersByTimeAsync(30 * PERIOD);
    expect(server.readsOf(42)).toBe(1);
    page.show(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.readsOf(42)).toBe(2);
    // Then every period as before.
    await vi.advanceTimersByTimeAsync(PERIOD);
    expect(server.readsOf(42)).toBe(3);
  });

  it('shown again before the read came due: read when it comes due, not at once', async () => {
    const { server, page, reads } = setup();
    reads.watch(42, PERIOD, () => undefined);
    await reads.read(42);
    page.show(false);
    await vi.advanceTimersByTimeAsync(PERIOD / 2);
    page.show(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.readsOf(42)).toBe(1);
    await vi.advanceTimersByTimeAsync(PERIOD / 2);
    expect(server.readsOf(42)).toBe(2);
  });

  it('read meanwhile by an element (a reconnect while hidden): not read again when shown, but a period after that read', async () => {
    const { server, page, reads } = setup();
    reads.watch(42, PERIOD, () => undefined);
    await reads.read(42);
    page.show(false);
    await vi.advanceTimersByTimeAsync(2 * PERIOD); // came due while hidden
    await reads.read(42); // the element's read at a reconnect
    page.show(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.readsOf(42)).toBe(2);
    await vi.advanceTimersByTimeAsync(PERIOD);
    expect(server.readsOf(42)).toBe(3);
  });

  it('no read while the client is stopped (signed out)', async () => {
    const { server, client, reads } = setup();
    reads.watch(42, PERIOD, () => undefined);
    await reads.read(42);
    client.stop();
    await vi.advanceTimersByTimeAsync(5 * PERIOD);
    expect(server.readsOf(42)).toBe(1);
  });
});

describe('many elements on one page', () => {
  it('several showing one user: one read serves them all, each hears its answer', async () => {
    const { server, reads } = setup();
    const a = listen();
    const b = listen();
    const c = listen();
    reads.watch(42, PERIOD, a.listener);
    reads.watch(42, PERIOD, b.listener);
    reads.watch(42, PERIOD, c.listener);
    // Each element reads when bound: one request.
    await Promise.all([reads.read(42), reads.read(42), reads.read(42)]);
    expect(server.readsOf(42)).toBe(1);
    await vi.advanceTimersByTimeAsync(PERIOD);
    expect(server.readsOf(42)).toBe(2);
    for (const w of [a, b, c]) expect(w.heard).toEqual(['answer online', 'answer online']);
  });

  it('200 strangers: never more than the burst at once, then the paced rate; each read about once a period', async () => {
    const { server, reads } = setup();
    for (let id = 1; id <= 200; id++) {
      reads.watch(id, PERIOD, () => undefined);
      void reads.read(id);
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(server.sent.length).toBe(READ_BURST);
    // Past the burst they wait until the pace covers a burst's worth, and go together (one request: status-batch.ts).
    const together = (READ_BURST / READS_PER_SECOND) * 1_000;
    await vi.advanceTimersByTimeAsync(together - 1);
    expect(server.sent.length).toBe(READ_BURST);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.sent.length).toBe(2 * READ_BURST);
    expect(new Set(server.sent.slice(READ_BURST).map((s) => s.at)).size).toBe(1);
    // Over ten minutes: no second with more than the burst and a second's rate, and each user read
    // about once a minute (the page's 3.3 reads a second, under the server's 5 per viewer).
    let seed = 7;
    random = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647); // the jitter, spread (and the same at each run)
    await vi.advanceTimersByTimeAsync(10 * PERIOD);
    const times = server.sent.map((s) => s.at);
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1_000).length).toBeLessThanOrEqual(READ_BURST + READS_PER_SECOND);
    for (let id = 1; id <= 200; id++) expect(server.readsOf(id)).toBeGreaterThanOrEqual(9);
    for (let id = 1; id <= 200; id++) expect(server.readsOf(id)).toBeLessThanOrEqual(12);
  });
});

describe('in few requests', () => {
  it('200 strangers over ten minutes: each read about once a period, in a few requests a minute (200 before the batch route)', async () => {
    const requests: number[][] = [];
    const many = async (ids: readonly number[]) => (requests.push([...ids]), ids.map((id) => view(id)));
    const reads = new StatusReads(batchedStatusReads(many), fakeClient(), { timers, page: fakePage() });
    const readsOf = (id: number) => requests.filter((r) => r.includes(id)).length;
    let seed = 11;
    random = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
    for (let id = 1; id <= 200; id++) {
      reads.watch(id, PERIOD, () => undefined);
      void reads.read(id);
    }
    await vi.advanceTimersByTimeAsync(0);
    requests.length = 0; // the first reads (the burst, then a burst's worth every 5 s) counted apart
    await vi.advanceTimersByTimeAsync(PERIOD);
    requests.length = 0;
    await vi.advanceTimersByTimeAsync(10 * PERIOD);
    for (let id = 1; id <= 200; id++) expect(readsOf(id)).toBeGreaterThanOrEqual(9);
    for (let id = 1; id <= 200; id++) expect(readsOf(id)).toBeLessThanOrEqual(12);
    // Under 20 requests a minute (16 at this seed), each of at most MAX_STATUS_BATCH users.
    expect(requests.length).toBeLessThan(10 * 20);
    for (const r of requests) expect(r.length).toBeLessThanOrEqual(MAX_STATUS_BATCH);
  });
});

describe('reads and the connection', () => {
  it('an answer to a read sent before the client stopped is never given to a watcher', async () => {
    const client = fakeClient();
    let answer: (v: View) => void = () => undefined;
    const reads = new StatusReads(() => new Promise<View>((r) => (answer = r)), client, { timers, page: fakePage() });
    const { heard, listener } = listen();
    reads.watch(42, PERIOD, listener);
    const before = reads.read(42);
    client.stop();
    answer(view(42));
    expect(await before).toBeNull();
    expect(heard).toEqual([]);
  });

  it('a read asked for after the connection dropped does not join one in flight from before; an answer after a drop is not current', async () => {
    const client = fakeClient();
    const answers: Array<(v: View) => void> = [];
    const reads = new StatusReads(() => new Promise<View>((r) => answers.push(r)), client, { timers, page: fakePage() });
    const first = reads.read(42);
    client.set('reconnecting');
    client.set('connected');
    const second = reads.read(42);
    await vi.advanceTimersByTimeAsync(0);
    expect(answers.length).toBe(2);
    answers[0]!(view(42, 'online'));
    answers[1]!(view(42, 'busy'));
    expect((await first)?.current).toBe(false);
    expect(await second).toMatchObject({ current: true, view: { status: 'busy' } });
  });
});
