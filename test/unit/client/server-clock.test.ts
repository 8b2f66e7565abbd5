/**
 * The server's clock as a device with a wrong clock estimates it (src/client/server-clock.ts):
 * every view and frame carries when the server made it, a delay only makes the server look
 * earlier, so the largest recent sample of `server - device` is the estimate. The SDK's
 * PresenceClient feeds it from the `ready`, every event and every REST view (`serverNow()`).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_SAMPLES, SAMPLE_WINDOW_MS, ServerClock } from '../../../src/client/server-clock.js';
import { harness, ME, T0, useFakeClock, view } from './fake-server.js';

const MIN = 60_000;
const t0 = Date.parse(T0);
const iso = (ms: number): string => new Date(ms).toISOString();

describe('ServerClock', () => {
  let device = t0;
  const clock = (): ServerClock => new ServerClock(() => device);
  beforeEach(() => (device = t0));

  it('is the device clock until a sample arrives; invalid timestamps are no samples', () => {
    const c = clock();
    expect(c.now()).toBe(t0);
    c.observe('not a time');
    c.observe(undefined);
    c.observe(12345);
    expect(c.offsetMs()).toBe(0);
    // The views of one answer were made at once; one made earlier (a fixture, a cache) is not the time.
    c.observe(iso(t0 - 5 * MIN), 'nope', iso(t0 + 2_000), null);
    expect(c.offsetMs()).toBe(2_000);
  });

  it('follows a device 45 minutes slow and one 60 minutes fast, as time goes on', () => {
    const slow = clock();
    slow.observe(iso(t0 + 45 * MIN)); // the server made this view 45 min "in the device's future"
    expect(slow.offsetMs()).toBe(45 * MIN);
    device += 5_000;
    expect(slow.now()).toBe(t0 + 45 * MIN + 5_000);
    const fast = clock();
    fast.observe(iso(device - 60 * MIN));
    device += 2_500;
    expect(fast.now()).toBe(t0 + 5_000 - 60 * MIN + 2_500);
  });

  it('keeps the largest recent sample: a frame delayed on the way never pulls the estimate back', () => {
    const c = clock();
    c.observe(iso(t0 + 20 * MIN - 80)); // 80 ms on the way
    device += 1_000;
    c.observe(iso(device + 20 * MIN - 3_000)); // queued 3 s (a frozen tab, a slow network)
    device += 1_000;
    c.observe(iso(device + 20 * MIN - 15)); // 15 ms on the way: the closest
    expect(c.offsetMs()).toBe(20 * MIN - 15);
    for (let i = 0; i < MAX_SAMPLES - 1; i++) c.observe(iso(device + 20 * MIN - 2_000)); // a burst of late frames
    expect(c.offsetMs()).toBe(20 * MIN - 15);
  });

  it('follows a device clock corrected meanwhile once the older samples age out, and keeps the newest through a quiet spell', () => {
    const c = clock();
    c.observe(iso(t0 + 45 * MIN));
    device += 30 * MIN; // no frame for half an hour: the last sample still holds
    expect(c.now()).toBe(device + 45 * MIN);
    device += 45 * MIN; // the device's clock is set right (time sync): the true offset is now 0
    c.observe(iso(device));
    expect(c.offsetMs()).toBe(0);
    // A device 2 min slow, set right a minute later: its older sample counts for the window's rest.
    device = t0;
    const d = clock();
    d.observe(iso(t0 + 2 * MIN));
    device = t0 + 3 * MIN;
    d.observe(iso(device));
    expect(d.offsetMs()).toBe(2 * MIN);
    device += SAMPLE_WINDOW_MS;
    expect(d.offsetMs()).toBe(0);
  });
});

describe('PresenceClient.serverNow()', () => {
  beforeEach(useFakeClock); // the device's clock reads T0
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is the server time from the ready frame on, the device clock 45 minutes slow', () => {
    const h = harness();
    h.client.start();
    expect(h.client.serverNow()).toBe(t0);
    h.connect([view(2, 'amy', 'online', { timestamp: iso(t0 + 45 * MIN) })], { self: { ...ME, timestamp: iso(t0 + 45 * MIN) } });
    expect(h.client.serverNow()).toBe(t0 + 45 * MIN);
    vi.advanceTimersByTime(10_000);
    expect(h.client.serverNow()).toBe(t0 + 45 * MIN + 10_000);
  });

  it('learns from every event frame and REST view too (the device clock 60 minutes fast)', async () => {
    const h = harness();
    h.client.start();
    h.connect([]); // self made at T0: offset 0 so far
    const ws = h.ws;
    // A friend_added's view, a change in a batch: made 60 min before the device's time.
    ws.receive({ type: 'friend_added', seq: 1, friend: view(2, 'amy', 'online', { timestamp: iso(t0 + 2 * MIN) }) });
    expect(h.client.serverNow()).toBe(t0 + 2 * MIN);
    ws.receive({ type: 'batch', messages: [{ type: 'friend_status_change', seq: 2, friend_id: 2, status: 'away', activity: 'browsing', custom_message: null, last_seen: null, timestamp: iso(t0 + 3 * MIN) }] });
    expect(h.client.serverNow()).toBe(t0 + 3 * MIN);
    h.fetch.route('PUT /api/v1/users/me/status', { status: 200, body: { ...ME, status: 'busy', timestamp: iso(t0 + 4 * MIN) } });
    await h.client.setStatus('busy');
    expect(h.client.serverNow()).toBe(t0 + 4 * MIN);
  });

  it('shares a clock passed in, so one estimate serves a whole page', () => {
    const shared = new ServerClock();
    const h = harness({ serverClock: shared });
    h.client.start();
    h.connect([], { self: { ...ME, timestamp: iso(t0 - 60 * MIN) } });
    expect(shared.now()).toBe(t0 - 60 * MIN);
    expect(h.client.serverNow()).toBe(shared.now());
  });
});
