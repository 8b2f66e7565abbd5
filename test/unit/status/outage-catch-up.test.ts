/**
 * OutageCatchUp's answer to `bus_returned` (outage-catch-up.ts): request frames sent again to an
 * instance whose bus was down reach its sockets once, and only those of viewers connected there;
 * frames for anyone else are not recorded as delivered (the record is bounded, and they would
 * push out what was really delivered).
 */
import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import type { BusMessage, EventBus } from '../../../src/server/ports/event-bus.js';
import { OutageCatchUp, RETURNS_TOPIC } from '../../../src/server/status/outage-catch-up.js';
import type { RequestFrame } from '../../../src/server/status/held-request-frames.js';
import type { PresenceEvent } from '../../../src/server/status/presence-events.js';

const request = (id: number, from: number, to: number) => ({ id, from_user_id: from, to_user_id: to, created_at: '2026-01-01T00:00:00.000Z' });
const received = (id: number, viewerId: number): RequestFrame => ({ kind: 'request_received', viewerId, request: request(id, 99, viewerId) });

function world(connected: number[]) {
  let handler: (topic: string, message: BusMessage, origin: string) => void = () => {};
  const bus = {
    instanceId: 'here',
    isHealthy: () => true,
    onHealthChange: () => {},
    subscribe: () => {},
    onMessage: (h: typeof handler) => (handler = h),
    publishRemote: () => {},
  } as unknown as EventBus;
  const delivered: PresenceEvent[] = [];
  const catchUp = new OutageCatchUp({
    bus,
    now: () => 0,
    sessions: { find: async () => undefined } as never,
    log: { info: () => {}, warn: () => {}, error: () => {} } as unknown as FastifyBaseLogger,
    logins: () => new Map(connected.map((userId, i) => [`login-${i}`, { userId }])),
    refresh: async () => {},
    sink: (e) => void delivered.push(e),
  });
  const answer = (frames: RequestFrame[]) => handler(RETURNS_TOPIC, { kind: 'request_frames', to: 'here', frames } as unknown as BusMessage, 'there');
  return { catchUp, delivered, answer };
}

describe('request frames sent again after this instance’s bus returned', () => {
  it('reach the sockets of viewers connected here, once; frames for others are neither delivered nor recorded', () => {
    const w = world([2]);
    w.answer([received(1, 2), received(1, 3), received(2, 2)]);
    expect(w.delivered).toEqual([received(1, 2), received(2, 2)]);
    w.answer([received(1, 2)]);
    expect(w.delivered).toHaveLength(2);
    // Viewer 3's frame was not recorded: if it reaches viewer 3's socket here the usual way, it is delivered.
    expect(w.catchUp.deliverRequestFrame(received(1, 3))).toBe(true);
  });
});
