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
import { ClusterHeartbeat, deadAfterMs } from '../../../src/server/status/cluster-heartbeat.js';
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
  override async heartbeat(instanceId: string, now: number, saturated?: boolean): Promise<void> {
    this.#count('heartbeat');
    await super.heartbeat(instanceId, now, saturated);
  }
  override async putCard(instanceId: string, card: InstanceCard): Promise<void> {
    this.#count('putCard');
    if (this.cardsDown) throw new Error('CLUSTERDOWN the card key’s shard is down');
    await super.putCard(instanceId, card);
  }
  override async liveInstances(now: number, deadAfter: number): Promise<Set<string> | null> {
    this.#count('liveInstances');
    return super.liveInstances(now, deadAfter);
  }
  override async cards(ids: readonly string[]) {
    this.#count('cards');
    return super.cards(ids);
  }
}

function world() {
  const clock = new FakeClock();
  const store = new CountingStore();
  const logged: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (_fields: unknown, msg: string) => logged.push({ level, msg });
  const log = { error: at('error'), warn: at('warn'), info: at('info') };
  const deps = {
    bus: { instanceId: 'me' },
    store: store as PresenceStore,
    config: { heartbeatIntervalMs: INTERVAL_MS, redisPrefix: 'site' },
    now: clock.now,
    log,
    signingSecret: { fingerprint: 'fp-me', configured: true },
  } as unknown as ConstructorParameters<typeof ClusterHeartbeat>[0] & Pick<PresenceDeps, 'log'>;
  // User 7 has a socket session on instance "dead".
  const engine = { sessionIds: () => ['dead/s1'], closeSession: () => null, endDeadSession: () => null } as unknown as PresenceEngine;
  const reaped: number[] = [];
  const heartbeat = new ClusterHeartbeat(deps, { engine, profiles: new Map([[7, {} as never]]), reaped: (id) => reaped.push(id), report: () => {} });
  return { clock, store, logged, heartbeat, reaped };
}

describe('ClusterHeartbeat', () => {
  it('a card that cannot be written is no failed beat: reaping goes on, and it is said once per outage', async () => {
    const { clock, store, logged, heartbeat, reaped } = world();
    await store.heartbeat('dead', clock.now());
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
});
