import { describe, expect, it } from 'vitest';
import { HeldRequestFrames, type RequestFrame } from '../../../src/server/status/held-request-frames.js';

const request = (id: number, from = 1, to = 2) => ({ id, from_user_id: from, to_user_id: to, created_at: '2026-01-01T00:00:00.000Z' });
const received = (id: number): RequestFrame => ({ kind: 'request_received', viewerId: 2, request: request(id) });
const sent = (id: number): RequestFrame => ({ kind: 'request_sent', viewerId: 1, request: request(id) });
const closed = (id: number, viewerId = 2): RequestFrame => ({ kind: 'request_closed', viewerId, requestId: id, reason: 'declined' });

describe('HeldRequestFrames', () => {
  it('releases what it held in order, once, minus announcements of requests closed since and closes of requests announced meanwhile', async () => {
    const held = new HeldRequestFrames();
    for (const f of [received(1), sent(1), closed(7), received(2), closed(2), received(3)]) held.hold(f);
    const asked: number[][] = [];
    const pending = async (ids: readonly number[]) => (asked.push([...ids]), new Set([1]));
    // 1 still pending; 2 announced and closed meanwhile (neither goes); 3 closed since (through another instance).
    expect(await held.release(pending)).toEqual([received(1), sent(1), closed(7)]);
    expect(asked).toEqual([[1, 2, 3]]);
    expect(await held.release(pending)).toEqual([]);
  });

  it('asks nothing when only closes were held', async () => {
    const held = new HeldRequestFrames();
    held.hold(closed(7, 1));
    held.hold(closed(7, 2));
    expect(await held.release(() => Promise.reject(new Error('not asked')))).toEqual([closed(7, 1), closed(7, 2)]);
  });

  it('keeps what it held when the read fails, before what was held since', async () => {
    const held = new HeldRequestFrames();
    held.hold(received(1));
    await expect(held.release(() => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    held.hold(received(2));
    expect(await held.release(async () => new Set([1, 2]))).toEqual([received(1), received(2)]);
  });
});
