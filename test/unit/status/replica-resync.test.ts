/**
 * The presence resync after a bus outage (Replicas.resync): it used to try 60 times, 1 s apart,
 * then give up, leaving replicas of other instances' users stale until the next outage. Now it
 * retries with a backoff (1 s doubling to 30 s) until it succeeds, the bus goes down again (the
 * next recovery starts a fresh one, never beside the old one) or the instance stops (which
 * neither waits for it nor leaves a timer behind). On fake timers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PresenceEngine } from '../../../src/server/presence/presence-engine.js';
import type { Profile } from '../../../src/server/status/presence-repository.js';
import type { PresenceDeps } from '../../../src/server/status/presence-service.js';
import { Replicas } from '../../../src/server/status/replicas.js';
import { READY_WHILE_RESYNCING_MS, replicasReady } from '../../../src/server/status/resync-retry.js';

type Line = { level: 'info' | 'warn' | 'error'; msg: string; fields: Record<string, unknown>; at: number };

function world({ upAtStart = true } = {}) {
  const lines: Line[] = [];
  const log = (level: Line['level']) => (fields: unknown, msg?: string) =>
    void lines.push(typeof fields === 'string' ? { level, msg: fields, fields: {}, at: Date.now() } : { level, msg: msg ?? '', fields: fields as Record<string, unknown>, at: Date.now() });
  let health: (healthy: boolean) => void = () => {};
  const store = {
    shared: true,
    heartbeat: vi.fn(async (..._args: unknown[]) => {}),
    /** What the resync's heartbeat (its first command) does: fail, hang, or (null) succeed. */
    resyncBeat: null as null | (() => Promise<void>),
    connect: async () => {},
    save: async () => true,
    load: async () => new Map(),
    liveInstances: async () => new Set<string>(),
    saturatedInstances: async () => new Set<string>(),
    leave: async () => {},
  };
  // beat() passes the saturation flag; the resync's heartbeat does not.
  store.heartbeat.mockImplementation(async (...args: unknown[]) => {
    if (args.length === 1 && store.resyncBeat) await store.resyncBeat();
  });
  const deps = {
    bus: { instanceId: 'i1', isHealthy: () => upAtStart, onHealthChange: (fn: (h: boolean) => void) => (health = fn), publishRemote: () => undefined },
    store,
    now: () => Date.now(),
    config: { heartbeatIntervalMs: 25_000 },
    log: { info: log('info'), warn: log('warn'), error: log('error') },
  } as unknown as PresenceDeps;
  const profiles = new Map<number, Profile>();
  const r = new Replicas(deps, { sessionIds: () => [] } as unknown as PresenceEngine, { profiles, changed: () => undefined });
  const resyncBeats = () => store.heartbeat.mock.calls.filter((c) => c.length === 1).length;
  /** Every resync attempt fails from now on (its first command throws). */
  const failing = () => {
    store.resyncBeat = async () => {
      throw new Error('store unreachable');
    };
  };
  /** An outage and the bus's return, with the resync's first attempt hanging: resolves to what fails it. */
  const recoverWithHangingAttempt = async (): Promise<(err: Error) => void> => {
    let fail!: (err: Error) => void;
    store.resyncBeat = () => new Promise<void>((_, reject) => (fail = reject));
    health(false);
    health(true);
    await vi.advanceTimersByTimeAsync(0);
    return fail;
  };
  return { r, store, lines, profiles, health: (h: boolean) => health(h), resyncBeats, failing, recoverWithHangingAttempt };
}

const failures = (lines: Line[]) => lines.filter((l) => l.msg === 'presence resync failed; retrying');

describe('presence resync after a bus outage', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('keeps trying past 60 attempts, at most every 30 s in the end, warns once per attempt, and says how long it took', async () => {
    const w = world();
    await w.r.start();
    w.failing();
    w.health(false);
    w.health(true);
    await vi.advanceTimersByTimeAsync(45 * 60_000);
    const failed = failures(w.lines);
    expect(w.resyncBeats()).toBeGreaterThan(60);
    expect(failed).toHaveLength(w.resyncBeats());
    expect(failed.map((l) => l.fields.attempt)).toEqual(failed.map((_, i) => i + 1));
    expect(failed.every((l) => l.level === 'warn')).toBe(true);
    // 1 s doubling up to 30 s between attempts.
    const gaps = failed.slice(1).map((l, i) => l.at - failed[i]!.at);
    expect(gaps.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(Math.max(...gaps)).toBe(30_000);
    expect(w.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(w.r.sync()).toMatchObject({ synced: false, resyncAttempts: w.resyncBeats() });

    w.store.resyncBeat = null;
    const started = failed[0]!.at;
    await vi.advanceTimersByTimeAsync(31_000);
    const done = w.lines.filter((l) => l.msg === 'presence resynced after the event bus returned');
    expect(done).toHaveLength(1);
    expect(done[0]!.level).toBe('info');
    expect(done[0]!.fields).toMatchObject({ attempts: w.resyncBeats(), users: 0, resaved: 0 });
    expect(done[0]!.fields.ms).toBe(done[0]!.at - started);
    expect(w.r.sync()).toEqual({ synced: true, staleSince: null, resyncAttempts: 0, resyncingSince: null });
    const beats = w.resyncBeats();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(w.resyncBeats()).toBe(beats);
    await w.r.stop(Date.now());
  });

  it('stops retrying when the bus goes down again; the next recovery starts afresh once the attempt in flight ended, never two at once', async () => {
    const w = world();
    await w.r.start();
    const fail = await w.recoverWithHangingAttempt();
    expect(w.resyncBeats()).toBe(1);
    // Down and back while the first attempt hangs: the new resync waits for it.
    w.health(false);
    w.health(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(w.resyncBeats()).toBe(1);
    w.failing();
    fail(new Error('store unreachable'));
    await vi.advanceTimersByTimeAsync(0);
    // The abandoned attempt is not reported; the fresh resync's first attempt is attempt 1.
    expect(w.resyncBeats()).toBe(2);
    expect(failures(w.lines).map((l) => l.fields.attempt)).toEqual([1]);
    await vi.advanceTimersByTimeAsync(3_500);
    expect(failures(w.lines).map((l) => l.fields.attempt)).toEqual([1, 2, 3]);
    // The bus goes down: no further attempt, however long it stays down.
    w.health(false);
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(w.resyncBeats()).toBe(4);
    expect(w.r.sync()).toMatchObject({ synced: false, resyncAttempts: 0 });
    await w.r.stop(Date.now());
  });

  it('stop() neither waits for an attempt in flight nor lets it retry, and no timer of the resync outlives the stop', async () => {
    const w = world();
    await w.r.start();
    const fail = await w.recoverWithHangingAttempt();
    expect(w.resyncBeats()).toBe(1);
    let stopped = false;
    void w.r.stop(Date.now()).then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(true);
    // The attempt in flight fails after the stop: not reported, not retried.
    fail(new Error('store closed'));
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(w.resyncBeats()).toBe(1);
    expect(failures(w.lines)).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() between two attempts ends the wait: no further attempt, no timer left', async () => {
    const w = world();
    await w.r.start();
    w.failing();
    w.health(false);
    w.health(true);
    await vi.advanceTimersByTimeAsync(5_000);
    const beats = w.resyncBeats();
    expect(beats).toBeGreaterThanOrEqual(2);
    await w.r.stop(Date.now());
    // Nothing of the resync is scheduled any more, nor the bound of the stop's saves.
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(w.resyncBeats()).toBe(beats);
  });

  it('keeps the instance unready while a resync fails for up to a minute, then lets it serve again, still saying it is not in sync', async () => {
    const w = world();
    await w.r.start();
    w.store.resyncBeat = async () => {
      throw new Error('store refuses its commands');
    };
    w.health(false);
    expect(replicasReady(w.r.sync(), Date.now())).toBe(false);
    // Down a long while: the minute counts from the resync's start, not from the outage.
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    w.health(true);
    await vi.advanceTimersByTimeAsync(0);
    const began = Date.now();
    expect(w.r.sync()).toMatchObject({ synced: false, resyncingSince: began });
    expect(replicasReady(w.r.sync(), Date.now())).toBe(false);
    await vi.advanceTimersByTimeAsync(READY_WHILE_RESYNCING_MS - 1_000);
    expect(replicasReady(w.r.sync(), Date.now())).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(w.r.sync().synced).toBe(false);
    expect(replicasReady(w.r.sync(), Date.now())).toBe(true);
    // The bus goes down again: unready at once, whatever came before.
    w.health(false);
    expect(replicasReady(w.r.sync(), Date.now())).toBe(false);
    await w.r.stop(Date.now());
  });
});

describe('the bus connecting after the start', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('is no return from an outage while no user is loaded: no resync, no "resynced" line; a later outage is one', async () => {
    const w = world({ upAtStart: false });
    await w.r.start();
    w.health(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(w.resyncBeats()).toBe(0);
    expect(w.lines.map((l) => l.msg)).not.toContain('presence resynced after the event bus returned');
    w.health(false);
    w.health(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(w.resyncBeats()).toBe(1);
    expect(w.lines.map((l) => l.msg)).toContain('presence resynced after the event bus returned');
    await w.r.stop(Date.now());
  });

  it('is one when users were loaded while the bus was still down (Redis down at the start, users served)', async () => {
    const w = world({ upAtStart: false });
    await w.r.start();
    w.profiles.set(7, {} as Profile);
    w.health(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(w.resyncBeats()).toBeGreaterThan(0);
    await w.r.stop(Date.now());
  });

  it('a store that knows why it fails (refused credentials) has that cause logged, not the client\'s message', async () => {
    const w = world();
    const said = 'Redis refused authentication (WRONGPASS): check the user and password in BEACON_REDIS_URL';
    Object.assign(w.store, {
      problem: () => said,
      load: async () => {
        throw new Error('Connection is closed.');
      },
    });
    w.profiles.set(7, {} as Profile);
    await w.r.reload(7);
    expect(w.lines.filter((l) => l.msg === 'replica reload failed').map((l) => l.fields.err)).toEqual([said]);
  });

  it('a resync failing on refused credentials says that cause in its warning', async () => {
    const w = world();
    const said = 'Redis refused authentication (WRONGPASS): check the user and password in BEACON_REDIS_URL';
    Object.assign(w.store, { problem: () => said });
    await w.r.start();
    w.failing();
    w.health(false);
    w.health(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(failures(w.lines).map((l) => l.fields.err)).toEqual([said]);
    await w.r.stop(Date.now());
  });
});
