/**
 * The message published in place of a friend-request frame a blocker is never told of
 * (bus-messages.ts, standIn): as large as the frame it stands for, so that the sender's request
 * or cancel publishes the same bytes as one to a stranger, and dropped by every instance (no
 * BusEvent kind), so that it reaches no socket.
 */
import { describe, expect, it } from 'vitest';
import { standIn } from '../../../src/server/status/bus-messages.js';
import type { RequestFrame } from '../../../src/server/status/held-request-frames.js';
import { isBusEvent } from '../../../src/server/status/presence-events.js';

const request = { id: 41, from_user_id: 7, to_user_id: 9, created_at: '2026-12-06T12:00:00.000Z', from: { user_id: 7, username: 'eve', display_name: 'Eve' } };
const frames: RequestFrame[] = [
  { kind: 'request_received', viewerId: 9, request } as unknown as RequestFrame,
  { kind: 'request_sent', viewerId: 7, request } as unknown as RequestFrame,
  { kind: 'request_closed', viewerId: 9, requestId: 41, reason: 'cancelled' },
];

describe('a stand-in for a request frame a blocker is never told of', () => {
  it.each(frames.map((f) => [f.kind, f] as const))('for %s: the same size on the wire, dropped by every instance', (_kind, frame) => {
    const shadow = standIn(frame);
    expect(JSON.stringify(shadow).length).toBe(JSON.stringify(frame).length);
    expect(shadow.kind).not.toBe(frame.kind);
    expect(isBusEvent(shadow)).toBe(false);
    expect(isBusEvent(frame)).toBe(true);
  });
});
