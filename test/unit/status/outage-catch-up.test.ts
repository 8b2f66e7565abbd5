/**
 * OutageCatchUp's answer to `bus_returned` (outage-catch-up.ts): request frames sent again to an
 * instance whose bus was down reach its sockets once, and only those of viewers connected there;
 * frames for anyone else are not recorded as delivered (the record is bounded, and they would
 * push out what was really delivered). Each goes out with its age, and arrives dated on the
 * receiver's clock for the sockets opened before it (fanout.ts).
 */
import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import type { BusMessage, EventBus } from '../../../src/server/ports/event-bus.js';
import { answersTopic, OutageCatchUp, RETURNS_TOPIC } from '../../../src/server/status/outage-catch-up.js';
import type { RequestFrame } from '../../../src/server/status/held-request-frames.js';
import type { PresenceEvent } from '../../../src/server/status/presence-events.js';
import { RepeatedStates } from '../../../src/server/status/repeated-states.js';

const request = (id: number, from: number, to: number) => ({ id, from_user_id: from, to_user_id: to, created_at: '2026-01-01T00:00:00.000Z' });
const received = (id: number, viewerId: number): RequestFrame => ({ kind: 'request_received', viewerId, request: request(id, 99, viewerId) });

/** Blocks held now, as a fake database answers them: 1 blocks 5 since 0; nobody else blocks anyone. */
const blocksHeld = async (pairs: ReadonlyArray<{ viewerId: number; subjectId: number }>) =>
  pairs.map(({ viewerId, subjectId }) => ({
    kind: 'block_changed' as const,
    viewerId,
    subjectId,
    user: viewerId === 1 && subjectId === 5 ? { user_id: 5, username: 'e', display_name: 'e', since: '1970-01-01T00:00:00.000Z' } : null,
  }));
const blockChanged = (userId: number, otherId: number) => ({ kind: 'block_changed', userId, otherId, user: null }) as never;

function world(connected: number[], { upAtStart = true, shared = true } = {}) {
  let handler: (topic: string, message: BusMessage, origin: string) => void = () => {};
  let healthy = upAtStart;
  const logged: string[] = [];
  let onHealth: (h: boolean) => void = () => {};
  let clock = 0;
  const published: Array<[string, BusMessage]> = [];
  const bus = {
    instanceId: 'here',
    isHealthy: () => healthy,
    onHealthChange: (fn: (h: boolean) => void) => (onHealth = fn),
    subscribe: () => {},
    onMessage: (h: typeof handler) => (handler = h),
    publishRemote: (topic: string, message: BusMessage) => void published.push([topic, message]),
  } as unknown as EventBus;
  const delivered: PresenceEvent[] = [];
  const log = { info: (_o: unknown, msg: string) => void logged.push(msg), warn: () => {}, error: () => {} } as unknown as FastifyBaseLogger;
  const catchUp = new OutageCatchUp({
    bus,
    shared,
    now: () => clock,
    recheckLogins: async () => 0,
    log,
    logins: () => new Map(connected.map((userId, i) => [`login-${i}`, { userId }])),
    lists: { hold: () => {}, reread: async () => connected.length, returned: () => {}, caughtUp: () => {} },
    sink: (e) => void delivered.push(e),
    blocksHeld,
    repeats: new RepeatedStates({ blocksHeld, log, sink: (e) => void delivered.push(e) }),
  });
  const answer = (frames: RequestFrame[]) => handler(answersTopic('here'), { kind: 'request_frames', to: 'here', frames } as unknown as BusMessage, 'there');
  const health = (h: boolean) => {
    healthy = h;
    onHealth(h);
  };
  const returned = (origin: string, downForMs: number) => handler(RETURNS_TOPIC, { kind: 'bus_returned', downForMs } as unknown as BusMessage, origin);
  const blockAnswer = (changes: unknown[]) => handler(answersTopic('here'), { kind: 'block_changes', to: 'here', changes } as unknown as BusMessage, 'there');
  return { catchUp, delivered, answer, blockAnswer, returned, published, logged, health, at: (ms: number) => void (clock = ms) };
}

describe('request frames sent again after this instance’s bus returned', () => {
  it('one instance alone (no shared store) remembers no frame: none can be asked for again, none arrives twice', async () => {
    const alone = world([2], { shared: false });
    const twin = world([2]);
    for (const w of [alone, twin]) {
      w.at(1_000);
      w.catchUp.requestFrame(received(1, 2));
      w.returned('there', 5_000);
    }
    await new Promise((r) => setTimeout(r, 0));
    // With other instances, a frame published here is sent again to one whose bus was down; alone, nothing was kept.
    expect(twin.published.some(([topic]) => topic === answersTopic('there'))).toBe(true);
    expect(alone.published).toEqual([]);
    // Delivered frames are not recorded either (the record is what a resend would be checked against).
    expect(alone.catchUp.deliverRequestFrame(received(3, 2))).toEqual(received(3, 2));
    expect(alone.catchUp.deliverRequestFrame(received(3, 2))).toEqual(received(3, 2));
    expect(twin.catchUp.deliverRequestFrame(received(3, 2))).toEqual(received(3, 2));
    expect(twin.catchUp.deliverRequestFrame(received(3, 2))).toBeNull();
  });

  it('reach the sockets of viewers connected here, once; frames for others are neither delivered nor recorded', () => {
    const w = world([2]);
    w.answer([received(1, 2), received(1, 3), received(2, 2)]);
    expect(w.delivered).toEqual([received(1, 2), received(2, 2)]);
    w.answer([received(1, 2)]);
    expect(w.delivered).toHaveLength(2);
    // Viewer 3's frame was not recorded: if it reaches viewer 3's socket here the usual way, it is delivered.
    expect(w.catchUp.deliverRequestFrame(received(1, 3))).toEqual(received(1, 3));
  });

  it('one sent again goes only to the sockets opened before it was first published, dated on this instance’s clock from its age', () => {
    const w = world([2]);
    w.at(500_000);
    // First published 30 s ago on the sender's clock (whatever that clock reads).
    w.answer([{ ...received(1, 2), ageMs: 30_000 }]);
    expect(w.delivered).toEqual([{ ...received(1, 2), before: 470_000 }]);
    // The usual way too.
    expect(w.catchUp.deliverRequestFrame({ ...received(2, 2), ageMs: 1_000 })).toEqual({ ...received(2, 2), before: 499_000 });
  });

  it('an instance sends again its own frames published shortly before its bus was seen to go (they may have died on the wire), not older ones', async () => {
    const w = world([]);
    w.at(1_000);
    w.catchUp.requestFrame(received(1, 2));
    w.at(50_000);
    w.catchUp.requestFrame(received(2, 2));
    // The connection died unseen; the probe notices 8 s after the second frame.
    w.at(58_000);
    w.health(false);
    w.at(70_000);
    w.health(true);
    await new Promise((r) => setTimeout(r, 0));
    const frames = w.published.filter(([topic]) => topic.startsWith('user:')).map(([, m]) => m);
    // With how long ago it was first published (20 s, at 50 s): where it arrives, sockets opened since do not get it.
    expect(frames).toEqual([{ ...received(2, 2), ageMs: 20_000 }]);
  });

  it('answers an instance whose bus returned on that instance’s own topic, with what it published meanwhile', async () => {
    const w = world([]);
    w.at(100_000);
    w.catchUp.requestFrame(received(1, 2));
    w.at(110_000);
    w.returned('there', 20_000);
    await new Promise((r) => setTimeout(r, 0));
    expect(w.published).toEqual([[answersTopic('there'), { kind: 'request_frames', to: 'there', frames: [{ ...received(1, 2), ageMs: 10_000 }] }]]);
  });
});

describe('the bus’s first connection after the start', () => {
  const tick = () => new Promise((r) => setTimeout(r, 0));

  it('is no return from an outage when no one was served yet: no recheck logged, no instance asked for frames', async () => {
    const w = world([], { upAtStart: false });
    w.at(2_000);
    w.health(true);
    await tick();
    expect(w.published).toEqual([]);
    expect(w.logged).toEqual([]);
    // A later outage is one.
    w.health(false);
    w.at(9_000);
    w.health(true);
    await tick();
    expect(w.published).toEqual([[RETURNS_TOPIC, { kind: 'bus_returned', downForMs: 7_000 }], [RETURNS_TOPIC, { kind: 'caught_up' }]]);
    expect(w.logged).toEqual(['friend graph and logins rechecked after the bus returned']);
  });

  it('catches up like a return when users were served while the bus was still down', async () => {
    const w = world([2], { upAtStart: false });
    w.at(5_000);
    w.health(true);
    await tick();
    expect(w.published).toEqual([[RETURNS_TOPIC, { kind: 'bus_returned', downForMs: 5_000 }], [RETURNS_TOPIC, { kind: 'caught_up' }]]);
    expect(w.logged).toEqual(['friend graph and logins rechecked after the bus returned']);
  });

  it('catches up like a return when a request frame was published while the bus was still down, even with no one here now', async () => {
    const w = world([], { upAtStart: false });
    w.catchUp.requestFrame(received(1, 2));
    w.at(3_000);
    w.health(true);
    await tick();
    expect(w.published).toContainEqual([RETURNS_TOPIC, { kind: 'bus_returned', downForMs: 3_000 }]);
    // Published at 0, sent again at 3 s.
    expect(w.published).toContainEqual(['user:2', { ...received(1, 2), ageMs: 3_000 }]);
  });

  it('catches up like a return when the friend graph changed through this instance while the bus was still down', async () => {
    const w = world([], { upAtStart: false });
    w.catchUp.graphChanged({ kind: 'befriended', a: 1, b: 2 } as never);
    w.health(true);
    await tick();
    expect(w.published).toContainEqual(['user:1', { kind: 'friends_changed', viewerId: 1 }]);
    expect(w.published).toContainEqual(['user:2', { kind: 'friends_changed', viewerId: 2 }]);
  });
});

describe('block changes sent again after a bus outage', () => {
  const tick = () => new Promise((r) => setTimeout(r, 0));

  it('those made here while the bus was down go out again on its return, as held now, once per pair; a change older than the margin does not', async () => {
    const w = world([]);
    w.at(1_000);
    w.catchUp.graphChanged(blockChanged(1, 6));
    w.at(50_000);
    w.health(false);
    w.catchUp.graphChanged(blockChanged(1, 5));
    w.catchUp.graphChanged(blockChanged(1, 5));
    w.catchUp.graphChanged(blockChanged(2, 5));
    w.at(90_000);
    w.health(true);
    await tick();
    const sent = w.published.filter(([topic]) => topic.startsWith('user:'));
    // Marked as repeats: read again where they arrive (repeated-states.ts).
    expect(sent).toEqual([
      ['user:1', { kind: 'block_changed', viewerId: 1, subjectId: 5, user: expect.objectContaining({ user_id: 5 }), repeat: true }],
      ['user:2', { kind: 'block_changed', viewerId: 2, subjectId: 5, user: null, repeat: true }],
    ]);
  });

  it('an instance whose bus returned is sent, on its own topic, those published here since it went', async () => {
    const w = world([]);
    w.at(10_000);
    w.catchUp.graphChanged(blockChanged(3, 4));
    w.at(100_000);
    w.catchUp.graphChanged(blockChanged(1, 5));
    w.at(110_000);
    w.returned('there', 20_000);
    await tick();
    await tick();
    expect(w.published).toContainEqual([answersTopic('there'), { kind: 'block_changes', to: 'there', changes: [{ kind: 'block_changed', viewerId: 1, subjectId: 5, user: expect.objectContaining({ user_id: 5 }) }] }]);
    expect(JSON.stringify(w.published)).not.toContain('"viewerId":3');
  });

  it('alone (no shared store), nothing is remembered or sent again', async () => {
    const w = world([], { shared: false });
    w.health(false);
    w.catchUp.graphChanged(blockChanged(1, 5));
    w.health(true);
    w.returned('there', 20_000);
    await tick();
    expect(w.published.filter(([topic]) => topic !== RETURNS_TOPIC)).toEqual([]);
  });

  it('those sent to this instance reach the sockets of blockers connected here, as read here; malformed ones and others’ are dropped', async () => {
    const w = world([1]);
    const mine = { kind: 'block_changed', viewerId: 1, subjectId: 6, user: null };
    // Sent as lifted, held here (the fake database) as made: what is read here goes out.
    const lifted = { kind: 'block_changed', viewerId: 1, subjectId: 5, user: null };
    w.blockAnswer([mine, { ...mine, viewerId: 2 }, { kind: 'block_changed', viewerId: 1 }, { ...mine, user: 'x' }, { ...mine, user: { user_id: 5 } }, null, lifted]);
    // Read on the next turn of the event loop (one read for what arrived in this one).
    await new Promise((r) => setImmediate(r));
    await tick();
    expect(w.delivered).toEqual([mine, { ...lifted, user: expect.objectContaining({ user_id: 5 }) }]);
  });
});
