/**
 * The calendar reader worker (ics-runner.ts): it answers what feedBusy answers, one read at a
 * time in order, refuses beyond its queue bound, terminates a read past the hard deadline and
 * survives a worker that dies, each time failing only that read.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { feedBusy, type FeedRead } from '../../../src/server/calendar/feed-busy.js';
import { IcsRunner, type WorkerStop } from '../../../src/server/calendar/ics-runner.js';
import { MAX_READ_MS } from '../../../src/server/calendar/ics.js';
import { FeedError } from '../../../src/server/calendar/safe-fetch.js';

const fixture = readFileSync(new URL('../../fixtures/calendar.ics', import.meta.url), 'utf8');
const NOW = Date.parse('2026-03-16T08:00:00Z');
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const cal = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...lines, 'END:VCALENDAR'].join('\r\n');
const meeting = (title: string, inMinutes: number) =>
  cal('BEGIN:VEVENT', `UID:${title}@test`, `SUMMARY:${title}`, `DTSTART:${stamp(NOW + inMinutes * 60_000)}`, 'DURATION:PT30M', 'END:VEVENT');
/** A daily rule that never occurs: ics.ts gives up at MAX_READ_MS. */
const never = cal('BEGIN:VEVENT', 'UID:never@x', 'DTSTART:20260101T090000Z', 'DTEND:20260101T100000Z', 'RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'END:VEVENT');
const read = (ics: string, shareTitles = true): FeedRead => ({ ics, now: NOW, zone: 'Europe/Paris', shareTitles });

describe('IcsRunner', () => {
  let runner: IcsRunner;
  const stops: WorkerStop[] = [];
  const track = { onWorkerStop: (s: WorkerStop) => stops.push(s) };
  afterEach(async () => {
    stops.length = 0;
    await runner.close();
  });

  it('answers what feedBusy answers on the main thread, messages included', async () => {
    runner = new IcsRunner(track);
    const busy = await runner.read(read(fixture));
    expect(busy.length).toBeGreaterThan(0);
    expect(busy).toEqual(feedBusy(read(fixture)));
    expect(await runner.read(read(meeting('Budget review', 10)))).toEqual([
      { start: NOW + 10 * 60_000, end: NOW + 40 * 60_000, message: 'Budget review until 09:40 UTC+1', label: 'Budget review' },
    ]);
    expect(stops).toEqual([]);
  });

  it('tells a feed it refuses (FeedError, message for the user) from one that is not iCalendar', async () => {
    runner = new IcsRunner(track);
    const notIcs = await runner.read(read('hello')).catch((err: unknown) => err);
    expect(notIcs).toBeInstanceOf(Error);
    expect(notIcs).not.toBeInstanceOf(FeedError);
    await expect(runner.read(read(never))).rejects.toThrow(new FeedError('The calendar takes too long to read'));
    expect(stops).toEqual([]); // the library's own deadline: the worker lives on
  });

  it('reads one feed at a time, in order, and refuses at once beyond the queue bound', async () => {
    runner = new IcsRunner({ ...track, maxQueued: 2 });
    const done: string[] = [];
    const first = runner.read(read(never)).catch((err: Error) => done.push(`first: ${err.message}`));
    const a = runner.read(read(meeting('a', 10))).then(() => done.push('a'));
    const b = runner.read(read(meeting('b', 20))).then(() => done.push('b'));
    await expect(runner.read(read(meeting('c', 30)))).rejects.toThrow(FeedError);
    await expect(runner.read(read(meeting('c', 30)))).rejects.toThrow(/too many calendars/i);
    expect(done).toEqual([]);
    await Promise.all([first, a, b]);
    expect(done).toEqual(['first: The calendar takes too long to read', 'a', 'b']);
    expect(await runner.read(read(meeting('c', 30)))).toHaveLength(1);
  });

  it("serves a person's read before the refresh's reads waiting, and never refuses the refresh's for the queue bound", async () => {
    runner = new IcsRunner({ ...track, maxQueued: 1 });
    const done: string[] = [];
    const inProgress = runner.read(read(never), 'background').catch(() => done.push('background 1'));
    const b2 = runner.read(read(meeting('b2', 10)), 'background').then(() => done.push('background 2'));
    const b3 = runner.read(read(meeting('b3', 20)), 'background').then(() => done.push('background 3'));
    const person = runner.read(read(meeting('p', 30))).then(() => done.push('person'));
    await expect(runner.read(read(meeting('q', 40)))).rejects.toThrow(/too many calendars/i);
    await Promise.all([inProgress, b2, b3, person]);
    expect(done).toEqual(['background 1', 'person', 'background 2', 'background 3']);
  });

  it("of the people's reads waiting, serves first the user whose feeds took the reader least lately, and charges each read to its user", async () => {
    // Found from outside: 16 accounts giving hostile feeds in turn (3 s each, the hard deadline)
    // kept the queue full; a bystander's PUT waited 30 s and its connection was dropped unanswered.
    runner = new IcsRunner(track);
    const heavy = 2;
    const fresh = 3;
    await runner.read(read(never), 'person', heavy).catch(() => {}); // MAX_READ_MS of the reader's time
    expect(runner.useOf(heavy)).toBeGreaterThanOrEqual(MAX_READ_MS * 0.9);
    const done: string[] = [];
    const inProgress = runner.read(read(meeting('in progress', 5)), 'person', 9).then(() => done.push('in progress'));
    const a = runner.read(read(meeting('a', 10)), 'person', heavy).then(() => done.push('heavy user'));
    const b = runner.read(read(meeting('b', 20)), 'person', fresh).then(() => done.push('fresh user'));
    await Promise.all([inProgress, a, b]);
    // First come, first served, the heavy user went first.
    expect(done).toEqual(['in progress', 'fresh user', 'heavy user']);
    expect(runner.useOf(fresh)).toBeGreaterThan(0);
    expect(runner.useOf(fresh)).toBeLessThan(MAX_READ_MS / 2);
    // The refresh's reads are charged to their users too.
    await runner.read(read(never), 'background', 4).catch(() => {});
    expect(runner.useOf(4)).toBeGreaterThanOrEqual(MAX_READ_MS * 0.9);
  });

  it('marks the failures that cost the reader its deadline or its memory as heavy (the refresh benches those feeds)', async () => {
    runner = new IcsRunner({ ...track, deadlineMs: 300 });
    await runner.read(read(meeting('warm', 10)));
    const cut = await runner.read(read(never)).catch((err: unknown) => err);
    expect(cut).toMatchObject({ message: 'The calendar takes too long to read', heavy: true });
    // The library's own bound (MAX_READ_MS, the worker lives on) is not heavy.
    await runner.close();
    runner = new IcsRunner(track);
    expect(await runner.read(read(never)).catch((err: unknown) => err)).toMatchObject({ heavy: false });
  });

  it('terminates the worker at the hard deadline (before MAX_READ_MS here) and the next read gets a fresh one', async () => {
    runner = new IcsRunner({ ...track, deadlineMs: 300 });
    await runner.read(read(meeting('warm', 10))); // the worker is up: the deadline counts reading only
    const started = performance.now();
    await expect(runner.read(read(never))).rejects.toThrow(new FeedError('The calendar takes too long to read', true));
    const ms = performance.now() - started;
    // Node's timers count whole milliseconds, so one may fire up to ~1 ms early by performance.now().
    expect(ms).toBeGreaterThanOrEqual(298);
    expect(ms).toBeLessThan(MAX_READ_MS);
    expect(stops).toEqual([{ reason: 'deadline' }]);
    expect(await runner.read(read(meeting('after', 10)))).toHaveLength(1);
  });

  it('a worker that dies fails only the read it was doing', async () => {
    runner = new IcsRunner({ ...track, maxHeapMb: 32 });
    const lines: string[] = [];
    for (let i = 0; i < 24_000; i++) lines.push('BEGIN:VEVENT', `UID:e${i}@x`, `DTSTART:${stamp(NOW + i * 60_000)}`, 'DURATION:PT30S', 'END:VEVENT');
    const huge = runner.read(read(cal(...lines))).catch((err: unknown) => err); // ~2 MiB: ~100 MB of ical.js objects
    const next = runner.read(read(meeting('next', 10)));
    expect(await huge).toEqual(new FeedError('The calendar takes too much memory to read', true));
    expect(await next).toHaveLength(1);
    expect(stops).toMatchObject([{ reason: 'crash', err: { code: 'ERR_WORKER_OUT_OF_MEMORY' } }]);
  });

  it('close() fails the read in progress and those waiting; a later read starts a new worker', async () => {
    runner = new IcsRunner(track);
    const inProgress = runner.read(read(never)).catch((err: unknown) => err);
    const waiting = runner.read(read(meeting('w', 10))).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 50));
    await runner.close();
    expect(await inProgress).toEqual(new FeedError('The server is shutting down; try again in a minute'));
    expect(await waiting).toEqual(new FeedError('The server is shutting down; try again in a minute'));
    expect(await runner.read(read(meeting('later', 10)))).toHaveLength(1);
  });
});
