import { describe, expect, it } from 'vitest';
import { DeliveredRequestFrames, HeldRequestFrames, isRequestFrame, requestEvent, resent, type KeptFrame, type RequestFrame } from '../../../src/server/status/held-request-frames.js';

const request = (id: number, from = 1, to = 2) => ({ id, from_user_id: from, to_user_id: to, created_at: '2026-01-01T00:00:00.000Z' });
const received = (id: number): RequestFrame => ({ kind: 'request_received', viewerId: 2, request: request(id) });
const sent = (id: number): RequestFrame => ({ kind: 'request_sent', viewerId: 1, request: request(id) });
const closed = (id: number, viewerId = 2): RequestFrame => ({ kind: 'request_closed', viewerId, requestId: id, reason: 'declined' });
/** The frames of kept ones. */
const frames = (kept: KeptFrame[]) => kept.map((k) => k.frame);

describe('HeldRequestFrames', () => {
  it('releases what it held in order, once, minus announcements of requests closed since and closes of requests announced meanwhile', async () => {
    const held = new HeldRequestFrames();
    for (const f of [received(1), sent(1), closed(7), received(2), closed(2), received(3)]) held.hold(f, 0);
    const asked: number[][] = [];
    const pending = async (ids: readonly number[]) => (asked.push([...ids]), new Set([1]));
    // 1 still pending; 2 announced and closed meanwhile (neither goes); 3 closed since (through another instance).
    expect(frames(await held.release(pending, 0))).toEqual([received(1), sent(1), closed(7)]);
    expect(asked).toEqual([[1, 2, 3]]);
    expect(await held.release(pending, 0)).toEqual([]);
  });

  it('asks nothing when only closes were held', async () => {
    const held = new HeldRequestFrames();
    held.hold(closed(7, 1), 0);
    held.hold(closed(7, 2), 0);
    expect(frames(await held.release(() => Promise.reject(new Error('not asked')), 0))).toEqual([closed(7, 1), closed(7, 2)]);
  });

  it('keeps what it held when the read fails, before what was held since', async () => {
    const held = new HeldRequestFrames();
    held.hold(received(1), 0);
    await expect(held.release(() => Promise.reject(new Error('database down')), 0)).rejects.toThrow('database down');
    held.hold(received(2), 0);
    expect(frames(await held.release(async () => new Set([1, 2]), 0))).toEqual([received(1), received(2)]);
  });

  it('gives what it released or sent since a moment again (for an instance whose bus was down then), minus announcements of requests closed since', async () => {
    const held = new HeldRequestFrames();
    held.hold(received(1), 0);
    held.hold(closed(7), 0);
    expect(frames(await held.release(async () => new Set([1]), 1_000))).toEqual([received(1), closed(7)]);
    held.hold(received(2), 0);
    expect(frames(await held.release(async () => new Set([2]), 5_000))).toEqual([received(2)]);
    expect(frames(await held.releasedSince(0, 6_000, async () => new Set([1, 2])))).toEqual([received(1), closed(7), received(2)]);
    expect(frames(await held.releasedSince(2_000, 6_000, async () => new Set([1, 2])))).toEqual([received(2)]);
    // Request 1 closed since: its announcement is not given again.
    expect(frames(await held.releasedSince(0, 6_000, async () => new Set([2])))).toEqual([closed(7), received(2)]);
    // Frames published with the bus up count as well.
    held.sent(closed(2), 5_500);
    expect(frames(await held.releasedSince(5_200, 6_000, async () => new Set()))).toEqual([closed(2)]);
    // Ten minutes on, nothing is kept.
    expect(await held.releasedSince(0, 5_500 + 10 * 60_000 + 1, async () => new Set([1, 2]))).toEqual([]);
  });

  it('keeps each frame with when it was first published, held or sent, however often it is released or given again', async () => {
    const held = new HeldRequestFrames();
    held.sent(received(1), 1_000);
    held.hold(closed(7), 2_000);
    held.hold(received(2), 3_000);
    expect(await held.release(async () => new Set([2]), 9_000)).toEqual([
      { frame: closed(7), firstAt: 2_000 },
      { frame: received(2), firstAt: 3_000 },
    ]);
    expect(await held.releasedSince(0, 9_500, async () => new Set([1, 2]))).toEqual([
      { frame: received(1), firstAt: 1_000 },
      { frame: closed(7), firstAt: 2_000 },
      { frame: received(2), firstAt: 3_000 },
    ]);
  });
});

describe('a frame sent again, and where it arrives', () => {
  it('goes out with how long ago it was first published; arrives as for the sockets opened before then, on the receiver’s clock', () => {
    const out = resent({ frame: closed(7), firstAt: 2_000 }, 9_000);
    expect(out).toEqual({ ...closed(7), ageMs: 7_000 });
    // The receiver's clock is an hour ahead: the age, not the publisher's reading, dates it there.
    expect(requestEvent(out, 3_609_000)).toEqual({ ...closed(7), before: 3_602_000 });
  });

  it('a first publish (no age) arrives as it came, for every socket; a malformed age dates nothing', () => {
    const first = received(1);
    expect(requestEvent(first, 5_000)).toBe(first);
    for (const ageMs of [-1, Number.NaN, '5' as unknown as number]) expect(requestEvent({ ...received(1), ageMs }, 5_000)).toEqual(received(1));
  });
});

describe('DeliveredRequestFrames', () => {
  it('passes each frame once per viewer and kind', () => {
    const delivered = new DeliveredRequestFrames();
    expect([received(1), sent(1), closed(1), closed(1, 1)].map((f) => delivered.add(f))).toEqual([true, true, true, true]);
    expect([received(1), sent(1), closed(1), closed(1, 1)].map((f) => delivered.add(f))).toEqual([false, false, false, false]);
    expect(delivered.add(received(2))).toBe(true);
  });

  it('drops an announcement that comes after its request’s close (a resend arriving late): the closed request does not come back', () => {
    const delivered = new DeliveredRequestFrames();
    expect(delivered.add(closed(7))).toBe(true);
    expect(delivered.add(received(7))).toBe(false);
    expect(delivered.add(closed(8, 1))).toBe(true);
    expect(delivered.add(sent(8))).toBe(false);
  });

  it('takes only well-formed request frames from the wire', () => {
    expect([received(1), sent(1), closed(1)].every(isRequestFrame)).toBe(true);
    for (const m of [null, 'x', { kind: 'request_closed', viewerId: 2 }, { kind: 'request_received', viewerId: 2, request: null }, { kind: 'request_received', viewerId: 2, requestId: 1 }, { kind: 'request_sent', viewerId: 1, requestId: 1 }, { kind: 'input', viewerId: 2, requestId: 1 }]) expect(isRequestFrame(m), JSON.stringify(m)).toBe(false);
  });
});
