/**
 * Alice changes one pair twice within a bus round trip, through two instances (a tab on each):
 * a category on A, then another on B; or a block on A, lifted on B. Redis keeps order per
 * publisher only, so B may hear A's older change after its own newer one. B handed that frame to
 * her tab as it came, and her screen on B showed the older state (the old category, blocked after
 * the unblock) while the database held the newer, until a reload. Now a `friend_updated` or
 * `block_changed` another instance sends is a hint: its pair is read here (repeated-states.ts)
 * and her tab gets the state the database holds. Two instances on one PostgreSQL and a real
 * Redis; B's receipt of A's frame is held until B's own change has reached her tab there.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RedisBus } from '../../src/server/adapters/bus-redis.js';
import type { RedisPresenceStore } from '../../src/server/adapters/presence-store-redis.js';
import type { BusHandler, BusMessage } from '../../src/server/ports/event-bus.js';
import type { PresenceEvent } from '../../src/server/status/presence-events.js';
import { blocked, blockOfBob, category, categoryOfBob, outageWorld, type OutageWorld } from '../helpers/outage-world.js';
import { proxiedRedisParts, until } from '../helpers/shared-parts.js';

type World = OutageWorld;

/** Holds the messages of `kind` that `bus` hears from other instances, until release(). */
function holdRemote(bus: RedisBus, kind: string) {
  const held: Array<() => void> = [];
  let holding = true;
  const onMessage = bus.onMessage.bind(bus);
  bus.onMessage = (handler: BusHandler) =>
    onMessage((topic: string, message: BusMessage, origin: string) => {
      if (holding && origin !== bus.instanceId && message.kind === kind) held.push(() => handler(topic, message, origin));
      else handler(topic, message, origin);
    });
  return {
    get count() {
      return held.length;
    },
    release() {
      holding = false;
      for (const deliver of held.splice(0)) deliver();
    },
  };
}

describe('two changes of one pair through two instances: every tab ends on the newer', () => {
  let cleanup: Array<() => Promise<unknown>> = [];
  let parts: Array<{ bus: RedisBus; store: RedisPresenceStore }>;

  beforeEach(async () => {
    cleanup = [];
    const redis = await proxiedRedisParts(2);
    cleanup.push(redis.close);
    parts = redis.parts;
  });
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  /** Her tab on B's frames matching `which` after index `from`, once they have settled. */
  const settledOnB = async (w: World, from: number, which: (e: PresenceEvent) => boolean) => {
    await until('a frame on B after the release', () => w.seen.b.slice(from).some(which), 5000);
    // A read under way (the hint's) lands too before the check.
    await new Promise((r) => setTimeout(r, 300));
    return w.seen.b.slice(from).filter(which);
  };

  it('a category set on A, then another on B: her tab on B ends on the one set on B', async () => {
    const gate = holdRemote(parts[1]!.bus, 'friend_updated');
    const w = await outageWorld(parts, cleanup, { befriend: true });
    await w.a.friends.setCategory(w.alice.userId, w.bobId, 'acquaintance');
    await until('B heard A’s frame (held)', () => gate.count > 0, 5000);
    await w.b.friends.setCategory(w.alice.userId, w.bobId, 'close_friend');
    await until('her tab on B shown close_friend', () => w.seen.b.some((e) => categoryOfBob(w)(e) && category(e) === 'close_friend'), 5000);
    await until('her tab on A shown close_friend', () => w.seen.a.some((e) => categoryOfBob(w)(e) && category(e) === 'close_friend'), 5000);
    const from = w.seen.b.length;
    gate.release();
    const got = await settledOnB(w, from, categoryOfBob(w));
    expect(category(got.at(-1))).toBe('close_friend');
    expect(category(w.seen.a.filter(categoryOfBob(w)).at(-1))).toBe('close_friend');
  }, 30_000);

  it('a block made on A, lifted on B: her tab on B ends unblocked', async () => {
    const gate = holdRemote(parts[1]!.bus, 'block_changed');
    const w = await outageWorld(parts, cleanup);
    await w.a.friends.block(w.alice.userId, w.bobId);
    await until('B heard A’s frame (held)', () => gate.count > 0, 5000);
    await w.b.friends.unblock(w.alice.userId, w.bobId);
    await until('her tab on B shown the unblock', () => w.seen.b.some((e) => blockOfBob(w)(e) && blocked(e) === false), 5000);
    const from = w.seen.b.length;
    gate.release();
    const got = await settledOnB(w, from, blockOfBob(w));
    expect(blocked(got.at(-1))).toBe(false);
    expect(blocked(w.seen.a.filter(blockOfBob(w)).at(-1))).toBe(false);
  }, 30_000);

  it('a change on A alone still reaches her tab on B, as the database holds it', async () => {
    const w = await outageWorld(parts, cleanup, { befriend: true });
    const from = w.seen.b.length;
    await w.a.friends.setCategory(w.alice.userId, w.bobId, 'acquaintance');
    const got = await settledOnB(w, from, categoryOfBob(w));
    expect(got.map(category)).toEqual(['acquaintance']);
  }, 30_000);
});
