/**
 * ClusterHeartbeat's beats (status/cluster-heartbeat.ts). The card (the secret's fingerprint) is
 * written apart from the beat: a card that cannot be written (on a Redis Cluster, its key's shard
 * down) is said once per outage, and the instance still beat, so reaping goes on. Each beat reads
 * the live instances once, for the secret check and the reaping both.
 */
import { describe, expect, it } from 'vitest';
import { MemoryPresenceStore } from '../../../src/server/adapters/presence-store-memory.js';
import type { InstanceCard, PresenceStore } from '../../../src/server/ports/presence-store.js';
import type { PresenceEngine } from '../../../src/server/presence/presence-engine.js';
import { ClusterHeartbeat, deadAfterMs, REAP_AFTER_OUTAGE_MS } from '../../../src/server/status/cluster-heartbeat.js';
import type { PresenceDeps } from '../../../src/server/status/presence-deps.js';
import { FakeClock } from '../../helpers/clock.js';

const INTERVAL_MS = 25_000;

/** A memory store whose card writes fail while `cardsDown`, counting the calls made to it. */
class CountingStore extends MemoryPresenceStore {
  cardsDown = false;
  readonly calls = new Map<string, number>();
  #count(name: string): void {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
  }
  override async heartbeat(instanceId: string, saturated?: boolean): Promise<number> {
    this.#count('heartbeat');
    return super.heartbeat(instanceId, saturated);
  }
  override async putCard(instanceId: string, card: InstanceCard): Promise<void> {
    this.#count('putCard');
    if (this.cardsDown) throw new Error('CLUSTERDOWN the card key’s shard is down');
    await super.putCard(instanceId, card);
  }
  override async liveInstances(deadAfter: number): Promise<Set<string> | null> {
    this.#count('liveInstances');
    return super.liveInstances(deadAfter);
  }
  override async cards(ids: readonly string[]) {
    this.#count('cards');
    return super.cards(ids);
  }
}

/**
 * Instance "me" on `clock` (its wall clock and its monotonic one), and the store (Redis) on a
 * clock of its own: time passing moves both, a `clock.step` moves only the instance's wall
 * clock, a `storeClock.step` only the store's.
 */
function world() {
  const clock = new FakeClock();
  const storeClock = new FakeClock(clock.now());
  // Time passing (advance) on the instance's clock moves the store's too.
  const storeNow = () => storeClock.now() + clock.monotonic();
  const store = new CountingStore({ now: storeNow });
  const logged: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (_fields: unknown, msg: string) => logged.push({ level, msg });
  const log = { error: at('error'), warn: at('warn'), info: at('info') };
  const deps = {
    bus: { instanceId: 'me' },
    store: store as PresenceStore,
    config: { heartbeatIntervalMs: INTERVAL_MS, redisPrefix: 'site' },
    now: clock.now,
    monotonic: clock.monotonic,
    log,
    signingSecret: { fingerprint: 'fp-me', configured: true },
  } as unknown as ConstructorParameters<typeof ClusterHeartbeat>[0] & Pick<PresenceDeps, 'log'>;
  // User 7 has a socket session on instance "dead".
  // How each was ended: as of when (endDeadSession), or now (closeSession).
  const ended: Array<{ sessionId: string; knownAliveAt: number | 'now' }> = [];
  const engine = {
    sessionIds: () => ['dead/s1'],
    hasSession: (_userId: number, test: (sessionId: string) => boolean) => test('dead/s1'),
    closeSession: (_userId: number, sessionId: string) => (ended.push({ sessionId, knownAliveAt: 'now' }), null),
    endDeadSession: (_userId: number, sessionId: string, knownAliveAt: number) => (ended.push({ sessionId, knownAliveAt }), null),
  } as unknown as PresenceEngine;
  const reaped: number[] = [];
  const heartbeat = new ClusterHeartbeat(deps, { engine, profiles: new Map([[7, {} as never]]), reaped: (id) => reaped.push(id), report: () => {} });
  return { clock, storeClock, store, logged, heartbeat, reaped, ended };
}

describe('ClusterHeartbeat', () => {
  it('a card that cannot be written is no failed beat: reaping goes on, and it is said once per outage', async () => {
    const { clock, store, logged, heartbeat, reaped } = world();
    await store.heartbeat('dead');
    await heartbeat.tick();
    clock.advance(deadAfterMs(INTERVAL_MS) + 1);
    store.cardsDown = true;
    await heartbeat.tick();
    expect(reaped).toEqual([7]);
    await heartbeat.tick();
    const cardLogs = () => logged.filter((l) => /card/.test(l.msg));
    expect(cardLogs()).toHaveLength(1);
    // Written again, then down again: a new outage, said again.
    store.cardsDown = false;
    await heartbeat.tick();
    expect(await store.cards(['me'])).toEqual(new Map([['me', { tokenSecret: 'fp-me' }]]));
    store.cardsDown = true;
    await heartbeat.tick();
    expect(cardLogs()).toHaveLength(2);
  });

  it('reads the live instances once per beat, for the secret check and the reaping both', async () => {
    const { clock, store, heartbeat } = world();
    await heartbeat.tick();
    clock.advance(1000);
    store.calls.clear();
    await heartbeat.tick();
    expect(store.calls.get('liveInstances')).toBe(1);
    expect(store.calls.get('cards')).toBe(1);
  });

  it("after the bus returns to a Redis restarted empty, no beat having failed, an instance is judged dead only past the window, as of the bus' fall", async () => {
    const { clock, heartbeat, reaped, ended } = world();
    // Redis restarts empty between two beats: the bus falls and returns, every beat is lost.
    const downAt = clock.now();
    heartbeat.busDown(downAt);
    clock.advance(2000);
    heartbeat.busBack();
    // "dead" (reconnecting later, or dead) has not beaten again yet: not taken for dead.
    await heartbeat.tick();
    clock.advance(deadAfterMs(INTERVAL_MS) + REAP_AFTER_OUTAGE_MS - 1);
    await heartbeat.tick();
    expect(reaped).toEqual([]);
    // Past the window without a beat: dead, its session ended as of the bus' fall.
    clock.advance(1);
    await heartbeat.tick();
    expect(reaped).toEqual([7]);
    expect(ended).toEqual([{ sessionId: 'dead/s1', knownAliveAt: downAt }]);
    // That outage judged, an instance the store does not list ends now again (left, or trimmed).
    await heartbeat.tick();
    expect(ended.at(-1)).toEqual({ sessionId: 'dead/s1', knownAliveAt: 'now' });
  });

  it('an instance that beats again within the window after the bus returns keeps its sessions', async () => {
    const { clock, store, heartbeat, reaped } = world();
    heartbeat.busDown(clock.now());
    clock.advance(2000);
    heartbeat.busBack();
    await heartbeat.tick();
    // It reconnects seconds later, and beats from then on.
    clock.advance(3000);
    await store.heartbeat('dead');
    for (let t = 0; t < deadAfterMs(INTERVAL_MS) + REAP_AFTER_OUTAGE_MS + INTERVAL_MS; t += INTERVAL_MS / 5) {
      clock.advance(INTERVAL_MS / 5);
      await store.heartbeat('dead');
      await heartbeat.tick();
    }
    expect(reaped).toEqual([]);
  });

  for (const [how, ms] of [
    ['forward', 10 * 60_000],
    ['back', -10 * 60_000],
  ] as const) {
    it(`a step of this instance's wall clock ${how} 10 min reaps nobody: the store dates and ages the beats`, async () => {
      const { clock, store, heartbeat, reaped } = world();
      const beatEvery = INTERVAL_MS / 5;
      await store.heartbeat('dead');
      await heartbeat.tick();
      clock.step(ms);
      // "dead" (alive, in fact) beats every fifth of the interval, as "me" does, for two windows.
      for (let t = 0; t < 2 * deadAfterMs(INTERVAL_MS); t += beatEvery) {
        clock.advance(beatEvery);
        await store.heartbeat('dead');
        await heartbeat.tick();
      }
      expect(reaped).toEqual([]);
      expect(await store.liveInstances(deadAfterMs(INTERVAL_MS))).toEqual(new Set(['me', 'dead']));
      // Once it stops beating, it is reaped past the window all the same.
      clock.advance(deadAfterMs(INTERVAL_MS) + 1);
      await heartbeat.tick();
      expect(reaped).toEqual([7]);
    });
  }

  it("a step of the store's clock forward 10 min pauses reaping for a window, until every instance beat again on it", async () => {
    const { clock, storeClock, store, heartbeat, reaped, logged } = world();
    const beatEvery = INTERVAL_MS / 5;
    await store.heartbeat('dead');
    await heartbeat.tick();
    // Redis' host steps between "dead"'s beat and "me"'s: "dead"'s beat looks 10 min old.
    clock.advance(beatEvery / 2);
    storeClock.step(10 * 60_000);
    await heartbeat.tick();
    expect(reaped).toEqual([]);
    expect(logged.filter((l) => /clock stepped/.test(l.msg))).toHaveLength(1);
    for (let t = 0; t < 2 * deadAfterMs(INTERVAL_MS); t += beatEvery) {
      clock.advance(beatEvery / 2);
      await store.heartbeat('dead');
      clock.advance(beatEvery / 2);
      await heartbeat.tick();
    }
    expect(reaped).toEqual([]);
    // A step the pause covers: an instance that never beats again is reaped past it.
    clock.advance(deadAfterMs(INTERVAL_MS) + REAP_AFTER_OUTAGE_MS + 1);
    await heartbeat.tick();
    expect(reaped).toEqual([7]);
  });
});
