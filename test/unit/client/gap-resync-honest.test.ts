/**
 * From a `seq` gap until its REST refetch applies, the views kept are known to be stale (events
 * were lost), however long the refetch takes (up to the API's 10 s timeout): the client says
 * `reconnecting` meanwhile, as it does after a refetch that failed, and `lastSyncAt` stays at the
 * time the views were last known complete: neither the frame that showed the gap nor the frames
 * that arrive before the refetch applies move it (a drop-in element says "as of" that time).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ME, useFakeClock } from './fake-server.js';
import { amy, FAIL, FRIENDS, SELF, slowResync } from './held-resync.js';
import type { View } from '../../../src/protocol/index.js';

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

const change = (seq: number, status: View['status']) => ({ seq, type: 'friend_status_change' as const, friend_id: 2, status, activity: 'browsing' as const, custom_message: null, last_seen: null, timestamp: amy.timestamp });

describe('while the refetch after a seq gap is in flight', () => {
  it('the client says reconnecting from the gap until the refetch applies, then connected', async () => {
    const { h, ws, held, answer } = slowResync();
    expect(h.client.state).toBe('connected');
    const states = h.eventsOf('state').length;
    ws.receive({ seq: 5, type: 'are_you_there' }); // seq 1 to 4 were lost
    expect(h.client.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(9_000); // a slow API, short of its timeout
    expect(held).toHaveLength(1);
    expect(h.client.state).toBe('reconnecting');
    await answer([{ ...amy, status: 'busy' }]);
    expect(h.client.friend(2)?.status).toBe('busy');
    expect(h.client.state).toBe('connected');
    expect(h.eventsOf('state').slice(states)).toEqual(['reconnecting', 'connected']);
    expect(ws.closedByClient).toBeNull();
    h.client.stop();
  });

  it('lastSyncAt is not moved by the gap frame nor by frames before the refetch applies; the refetch applied moves it', async () => {
    const { h, ws, answer } = slowResync();
    await vi.advanceTimersByTimeAsync(1_000);
    ws.receive(change(1, 'online')); // in order: the views are complete now
    const complete = Date.now();
    expect(h.client.lastSyncAt).toBe(complete);
    await vi.advanceTimersByTimeAsync(1_000);
    ws.receive(change(5, 'away')); // seq 2 to 4 were lost
    expect(h.client.lastSyncAt).toBe(complete);
    await vi.advanceTimersByTimeAsync(2_000);
    ws.receive(change(6, 'busy'));
    ws.receive({ type: 'heartbeat_ack' });
    expect(h.client.lastSyncAt).toBe(complete);
    const synced = h.eventsOf('synced').length;
    await vi.advanceTimersByTimeAsync(3_000);
    await answer([amy]);
    expect(h.client.lastSyncAt).toBe(Date.now());
    expect(h.eventsOf('synced').slice(synced)).toEqual([{ at: Date.now() }]);
    await vi.advanceTimersByTimeAsync(1_000);
    ws.receive(change(7, 'online')); // live again: frames confirm the views again
    expect(h.client.lastSyncAt).toBe(Date.now());
    h.client.stop();
  });

  it('a batch whose frames follow the gap does not move lastSyncAt either', async () => {
    const { h, ws } = slowResync();
    const complete = Date.now();
    await vi.advanceTimersByTimeAsync(1_000);
    ws.receive({ type: 'batch', messages: [change(3, 'away'), change(4, 'busy')] }); // seq 1 and 2 were lost
    expect(h.client.lastSyncAt).toBe(complete);
    expect(h.client.state).toBe('reconnecting');
    h.client.stop();
  });

  it('a refetch that fails keeps lastSyncAt where it was through its retries, until one applies', async () => {
    const { h, ws, answer } = slowResync();
    const complete = Date.now();
    await vi.advanceTimersByTimeAsync(1_000);
    ws.receive(change(5, 'away'));
    await answer(null); // a 500
    expect(h.client.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(500);
    ws.receive(change(6, 'busy')); // frames keep arriving on the socket kept, while views are still stale
    expect(h.client.lastSyncAt).toBe(complete);
    await vi.advanceTimersByTimeAsync(500); // the retry (base delay, random 1)
    await answer([amy]);
    expect(h.client.state).toBe('connected');
    expect(h.client.lastSyncAt).toBe(Date.now());
    h.client.stop();
  });

  it('a refetch whose own read fails leaves the views stale too: lastSyncAt kept until a retry applies both', async () => {
    const { h, ws, answer } = slowResync();
    let ownFails = true;
    h.fetch.route(SELF, () => (ownFails ? FAIL : { status: 200, body: ME }));
    const complete = Date.now();
    await vi.advanceTimersByTimeAsync(1_000);
    ws.receive(change(5, 'away'));
    await answer([amy]); // the friends answer; the own read (a missed status_update?) fails
    expect(h.client.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(500);
    ws.receive(change(6, 'busy'));
    expect(h.client.lastSyncAt).toBe(complete);
    ownFails = false;
    await vi.advanceTimersByTimeAsync(500); // the retry
    await answer([amy]);
    expect(h.client.state).toBe('connected');
    expect(h.client.lastSyncAt).toBe(Date.now());
    h.client.stop();
  });

  it('a second gap while the first refetch is in flight: reconnecting until a refetch begun after it applies', async () => {
    const { h, ws, held, answer } = slowResync();
    ws.receive(change(5, 'away'));
    await vi.advanceTimersByTimeAsync(1_000);
    ws.receive(change(9, 'busy')); // lost again: the first refetch may have been answered before these
    await vi.advanceTimersByTimeAsync(0);
    expect(held).toHaveLength(2);
    await answer([amy]);
    expect(h.client.state).toBe('reconnecting');
    await answer([{ ...amy, status: 'busy' }]);
    expect(h.client.state).toBe('connected');
    h.client.stop();
  });

  it('an earlier refetch failing after a later one applied changes nothing: connected, no retry', async () => {
    const { h, ws, held } = slowResync();
    ws.receive(change(5, 'away'));
    ws.receive(change(9, 'busy'));
    await vi.advanceTimersByTimeAsync(0);
    const [first, second] = held.splice(0);
    second?.([{ ...amy, status: 'busy' }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('connected');
    first?.(null); // a 500, for a refetch older than the views applied since
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('connected');
    await vi.advanceTimersByTimeAsync(8_000); // past every retry delay (the cap is 8 s)
    expect(h.fetch.callsTo(FRIENDS)).toHaveLength(2);
    h.client.stop();
  });
});
