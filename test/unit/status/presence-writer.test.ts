/** Write-behind: one write per interval for every dirty user, retried after a failure. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PresenceRepository, PresenceRow } from '../../../src/server/status/presence-repository.js';
import { PresenceWriter } from '../../../src/server/status/presence-writer.js';
import { silentLog } from './service-fixture.js';

const rowOf = (userId: number): PresenceRow | null =>
  userId < 0
    ? null
    : ({ userId, status: 'online', activity: 'browsing', persisted: { manualStatus: null, customMessage: null, customMessageExpiresAt: null, lastSeen: null, lastActivity: 1 } } as PresenceRow);

function writer(opts: { fail?: () => boolean } = {}) {
  const writes: number[][] = [];
  const alive: number[] = [];
  const warnings: unknown[] = [];
  let now = 1000;
  const repo = {
    write: async (rows: readonly PresenceRow[]) => {
      if (opts.fail?.()) throw new Error('database down');
      writes.push(rows.map((r) => r.userId));
    },
    markAlive: async (at: number) => void alive.push(at),
  } as unknown as PresenceRepository;
  const log = { ...silentLog, warn: (...args: unknown[]) => void warnings.push(args) } as typeof silentLog;
  const w = new PresenceWriter(repo, rowOf, { intervalMs: 1000, now: () => now, log });
  return { w, writes, alive, warnings, setNow: (t: number) => void (now = t) };
}

describe('PresenceWriter', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('writes each dirty user once per interval, and nothing for users no longer known', async () => {
    const { w, writes, alive } = writer();
    w.start();
    w.markDirty(1);
    w.markDirty(2);
    w.markDirty(1);
    w.markDirty(-5);
    expect(w.pending).toBe(3);
    await vi.advanceTimersByTimeAsync(999);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([[1, 2]]);
    expect(alive).toEqual([1000]);
    expect(w.pending).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(writes).toEqual([[1, 2], []]);
    await w.stop();
  });

  it('keeps the users dirty after a failed write, warns, and writes them on the next try', async () => {
    let failing = true;
    const { w, writes, warnings } = writer({ fail: () => failing });
    w.markDirty(1);
    await w.flush();
    expect(writes).toEqual([]);
    expect(w.pending).toBe(1);
    expect(warnings).toHaveLength(1);
    failing = false;
    w.markDirty(2);
    await w.flush();
    expect(writes).toEqual([[1, 2]]);
    expect(w.pending).toBe(0);
  });

  it('logs an outage with its stack once, then once per 30 s with the retries since, and at the stop, not at every flush', async () => {
    const unreachable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    let failing = true;
    const repo = {
      write: async () => {
        if (failing) throw unreachable();
      },
      markAlive: async () => {
        if (failing) throw unreachable();
      },
    } as unknown as PresenceRepository;
    const errors: Array<[Record<string, unknown>, string]> = [];
    const infos: Array<[Record<string, unknown>, string]> = [];
    let now = 10_000;
    const log = {
      ...silentLog,
      error: (fields: Record<string, unknown>, msg: string) => void errors.push([fields, msg]),
      info: (fields: Record<string, unknown>, msg: string) => void infos.push([fields, msg]),
    } as typeof silentLog;
    const w = new PresenceWriter(repo, rowOf, { intervalMs: 1000, now: () => now, log });
    w.markDirty(1);
    // A minute of outage, a flush a second (the default interval).
    for (let t = 0; t < 60; t++) {
      await w.flush();
      now += 1000;
    }
    expect(errors.map(([, msg]) => msg)).toEqual(Array(2).fill('presence write-behind failing: database unreachable; will retry'));
    expect(errors[0]![0].err).toBeInstanceOf(Error); // the first, with its stack
    expect(errors[1]![0]).toMatchObject({ reason: 'connect ECONNREFUSED 127.0.0.1:5432', users: 1, failingSinceMs: 10_000, failingForMs: 30_000, retries: 30 });
    expect(w.health()).toMatchObject({ ok: false, failingSince: 10_000 });
    expect(w.pending).toBe(1);
    // Back: said once, and a new outage is said at once again.
    failing = false;
    await w.flush();
    expect(infos).toEqual([[{ failedForMs: 60_000 }, 'presence write-behind saving again']]);
    failing = true;
    w.markDirty(2);
    await w.flush();
    expect(errors).toHaveLength(3);
    expect(errors[2]![0].err).toBeInstanceOf(Error);
    // The stop's own flush always says it, once, without promising a retry.
    now += 1000;
    await w.stop();
    expect(errors).toHaveLength(4);
    expect(errors[3]![1]).toBe('presence write-behind failing at the stop: database unreachable; not written');
  });

  it('names a database that answers and refuses every write (disk full) as such, not as unreachable', async () => {
    const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const repo = {
      write: async () => {
        throw full();
      },
      markAlive: async () => {
        throw full();
      },
    } as unknown as PresenceRepository;
    const errors: Array<[Record<string, unknown>, string]> = [];
    const log = { ...silentLog, error: (fields: Record<string, unknown>, msg: string) => void errors.push([fields, msg]) } as typeof silentLog;
    const w = new PresenceWriter(repo, rowOf, { intervalMs: 1000, now: () => 1_000, log });
    w.markDirty(1);
    await w.flush();
    expect(errors.map(([, msg]) => msg)).toEqual(['presence write-behind failing: database refuses writes; will retry']);
    expect((errors[0]![0].err as Error).message).toBe('database or disk is full');
    // Kept for the next flush, as in an outage.
    expect(w.pending).toBe(1);
    expect(await w.stop()).toBe(1);
    expect(errors[1]![1]).toBe('presence write-behind failing at the stop: database refuses writes; not written');
  });

  it('at the stop says the outage once, never "will retry", with the users whose rows it writes and could not (the count the stop repeats)', async () => {
    const unreachable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const repo = {
      write: async () => {
        throw unreachable();
      },
      markAlive: async () => {
        throw unreachable();
      },
    } as unknown as PresenceRepository;
    const lines: Array<[Record<string, unknown>, string]> = [];
    const at = (fields: Record<string, unknown>, msg: string) => void lines.push([fields, msg]);
    const log = { ...silentLog, error: at, warn: at, info: at } as typeof silentLog;
    // User 3's row is another instance's to write (one writer per user in a cluster).
    const w = new PresenceWriter(repo, rowOf, { intervalMs: 1000, now: () => 5_000, log, isWriter: (id) => id !== 3 });
    w.start();
    for (const id of [1, 2, 3]) w.markDirty(id);
    // A timer flush is in flight when the stop comes: both fail, one line says it.
    await vi.advanceTimersByTimeAsync(1000);
    lines.length = 0;
    w.markDirty(3);
    const unwritten = await w.stop();
    expect(unwritten).toBe(2);
    expect(lines.map(([, msg]) => msg)).toEqual(['presence write-behind failing at the stop: database unreachable; not written']);
    expect(lines[0]![0]).toMatchObject({ users: 2, reason: 'connect ECONNREFUSED 127.0.0.1:5432' });
    // A change of another instance's user received after the stop (during the drain) is not this one's to write.
    w.markDirty(3);
    expect(w.unwritten()).toBe(2);
  });

  it('a flush during a flush runs after the one in flight (never two at once) and writes what changed since', async () => {
    const { w, writes } = writer();
    w.markDirty(1);
    const a = w.flush();
    w.markDirty(2);
    const b = w.flush();
    const c = w.flush();
    await a;
    // The caller's change is written before its flush answers (the timer's flush must not swallow it).
    await Promise.all([b, c]);
    expect(writes).toEqual([[1], [2]]);
    expect(w.pending).toBe(0);
  });

  it('stop() ends the timer and writes what is pending', async () => {
    const { w, writes } = writer();
    w.start();
    w.start();
    w.markDirty(3);
    await w.stop();
    expect(writes).toEqual([[3]]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(writes).toEqual([[3]]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('at the stop writes what was noted during its write, but tries a row the database refused on its own once (review 169)', async () => {
    vi.useRealTimers();
    const calls: number[][] = [];
    let noteDuring: (() => void) | null = null;
    const repo = {
      write: async (rows: readonly PresenceRow[]) => {
        calls.push(rows.map((r) => r.userId));
        const during = noteDuring;
        noteDuring = null;
        during?.();
        await new Promise((r) => setTimeout(r, 1));
        if (rows.some((r) => r.userId === 7)) throw Object.assign(new Error('value too long for type character varying(128)'), { code: '22001' });
      },
      markAlive: async () => {},
    } as unknown as PresenceRepository;
    const w = new PresenceWriter(repo, rowOf, { intervalMs: 1000, now: () => 1000, log: silentLog });
    w.markDirty(1);
    w.markDirty(7);
    // A socket's close comes back while the stop's write is on its way: user 2 changes.
    noteDuring = () => w.markDirty(2);
    expect(await w.stop()).toBe(1);
    // The batch (refused for 7), 1 and 7 one by one, then 2 alone: 7 is not tried again.
    expect(calls).toEqual([[1, 7], [1], [7], [2]]);
  });

  it('at the stop counts none of the changes that kept coming during its writes as unwritten: they came after the stop (review 169)', async () => {
    vi.useRealTimers();
    const calls: number[][] = [];
    let next = 100;
    const repo = {
      write: async (rows: readonly PresenceRow[]) => {
        calls.push(rows.map((r) => r.userId));
        // Another socket's close comes back during every write (many clients, far away).
        w.markDirty(next++);
        await new Promise((r) => setTimeout(r, 1));
      },
      markAlive: async () => {},
    } as unknown as PresenceRepository;
    const w: PresenceWriter = new PresenceWriter(repo, rowOf, { intervalMs: 1000, now: () => 1000, log: silentLog });
    w.markDirty(1);
    expect(await w.stop()).toBe(0);
    // The stop's write, then three more of what came in the one before; the last one's is left.
    expect(calls).toEqual([[1], [100], [101], [102]]);
    expect(w.unwritten()).toBe(1);
  });

  it('writeNow writes the row after a write running, so that write\'s older copy of the row never lands last', async () => {
    const order: string[] = [];
    let release: () => void = () => {};
    let status = 'online';
    const repo = {
      write: async (rows: readonly PresenceRow[]) => {
        const said = rows.map((r) => `${r.userId}:${r.status}`).join();
        if (said === '1:online') await new Promise<void>((r) => (release = r));
        order.push(said);
      },
      markAlive: async () => {},
    } as unknown as PresenceRepository;
    const w = new PresenceWriter(repo, (id) => ({ ...rowOf(id)!, status }) as PresenceRow, { intervalMs: 1000, now: () => 0, log: silentLog });
    w.markDirty(1);
    const stopping = w.stop();
    await vi.advanceTimersByTimeAsync(0);
    // The stop's write took her row as online; she logs out while it is on its way.
    status = 'offline';
    const now = w.writeNow(1);
    await vi.advanceTimersByTimeAsync(0);
    release();
    await Promise.all([stopping, now]);
    expect(order.slice(0, 2)).toEqual(['1:online', '1:offline']);
  });
});

