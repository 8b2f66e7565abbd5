import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attachIdleDetection, INPUT_EVENTS } from '../../../src/client/idle.js';
import { harness, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

/** A document stand-in: an EventTarget with a settable visibilityState. */
class FakeDocument extends EventTarget {
  visibilityState: DocumentVisibilityState = 'visible';
}

describe('interaction reporting', () => {
  it('sends at most one interaction frame per throttle window', () => {
    const h = harness({ interactionThrottleMs: 10_000 });
    h.client.start();
    const ws = h.connect([amy]);
    h.client.notifyInteraction();
    h.client.notifyInteraction();
    vi.advanceTimersByTime(9_999);
    h.client.notifyInteraction();
    expect(ws.sentOfType('interaction')).toHaveLength(1);
    vi.advanceTimersByTime(1);
    h.client.notifyInteraction();
    expect(ws.sentOfType('interaction')).toHaveLength(2);
  });

  it('answers are_you_there with the first interaction at once, despite the throttle', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    h.client.notifyInteraction();
    vi.advanceTimersByTime(1_000);
    ws.receive({ type: 'are_you_there', seq: 1 });
    expect(h.eventsOf('are_you_there')).toHaveLength(1);
    // the SDK does not answer the probe by itself
    expect(ws.sent.filter((f) => f.type === 'still_here' || f.type === 'interaction')).toHaveLength(1);
    h.client.notifyInteraction();
    h.client.notifyInteraction();
    expect(ws.sentOfType('interaction')).toHaveLength(2);
  });

  it('a probe answered on another device (probe_answered) is told to the app, and input here is throttled again', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    h.client.notifyInteraction();
    ws.receive({ type: 'are_you_there', seq: 1 });
    ws.receive({ type: 'probe_answered', seq: 2 });
    expect(h.eventsOf('probe_answered')).toHaveLength(1);
    // Nothing urgent any more: the next input waits for the throttle, as before the probe.
    h.client.notifyInteraction();
    expect(ws.sentOfType('interaction')).toHaveLength(1);
  });

  it('stillHere() answers the probe with still_here', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    ws.receive({ type: 'are_you_there' });
    h.client.stillHere();
    expect(ws.sentOfType('still_here')).toHaveLength(1);
    // answered: the throttle applies again
    h.client.notifyInteraction();
    expect(ws.sentOfType('interaction')).toHaveLength(0);
  });

  it('keeps only one interaction while disconnected and sends it after ready; no stale heartbeats', () => {
    const h = harness();
    h.client.start();
    h.connect([amy]);
    h.ws.fail();
    h.client.notifyInteraction();
    h.client.notifyInteraction();
    vi.advanceTimersByTime(500);
    const ws = h.connect([amy]);
    expect(ws.sent.map((f) => f.type)).toEqual(['auth', 'interaction']);
  });

  it('in polling mode an interaction is reported over REST (reads never count), throttled', async () => {
    const h = harness({ fallbackAfterFailures: 1, connectTimeoutMs: 1_000_000, random: () => 1 });
    h.fetch.route('GET /api/v1/users/me', { status: 200, body: { id: 1, username: 'me', display_name: 'ME', role: 'user' } });
    h.fetch.route('GET /api/v1/users/me/friends/status', { status: 200, body: [amy] });
    h.fetch.route('GET /api/v1/users/1/status', { status: 200, body: view(1, 'me', 'online') });
    h.fetch.route('POST /api/v1/users/me/interaction', { status: 204 });
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetch.callsTo('GET /api/v1/users/me/friends/status')).toHaveLength(1);
    // The page load reported its person's arrival before that poll: input within the throttle is not sent again.
    expect(h.fetch.callsTo('POST /api/v1/users/me/interaction')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    h.client.notifyInteraction();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetch.callsTo('POST /api/v1/users/me/interaction')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    const polls = h.fetch.callsTo('GET /api/v1/users/me/friends/status').length;
    h.client.notifyInteraction();
    h.client.notifyInteraction();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetch.callsTo('POST /api/v1/users/me/interaction')).toHaveLength(2);
    expect(h.fetch.callsTo('GET /api/v1/users/me/friends/status')).toHaveLength(polls);
    h.client.stillHere();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetch.callsTo('POST /api/v1/users/me/interaction')).toHaveLength(3);
    h.client.stop();
  });
});

describe('attachIdleDetection', () => {
  it('turns real input, and only input, into interactions, and detaches cleanly', () => {
    const doc = new FakeDocument();
    const onActivity = vi.fn();
    const detach = attachIdleDetection(doc, onActivity);
    for (const type of INPUT_EVENTS) doc.dispatchEvent(new Event(type));
    expect(onActivity).toHaveBeenCalledTimes(INPUT_EVENTS.length);
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(onActivity).toHaveBeenCalledTimes(INPUT_EVENTS.length);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange')); // a tab shown again is not a person
    doc.dispatchEvent(new Event('focus'));
    doc.dispatchEvent(new Event('scroll'));
    expect(onActivity).toHaveBeenCalledTimes(INPUT_EVENTS.length);
    detach();
    doc.dispatchEvent(new Event('keydown'));
    expect(onActivity).toHaveBeenCalledTimes(INPUT_EVENTS.length);
  });

  it('PresenceClient.attachIdleDetection sends throttled interaction frames', () => {
    const h = harness();
    const doc = new FakeDocument();
    h.client.start();
    const ws = h.connect([amy]);
    const detach = h.client.attachIdleDetection(doc);
    doc.dispatchEvent(new Event('mousemove'));
    doc.dispatchEvent(new Event('keydown'));
    expect(ws.sentOfType('interaction')).toHaveLength(1);
    detach();
  });

  it('is a no-op outside a browser', () => {
    const h = harness();
    expect(() => h.client.attachIdleDetection()()).not.toThrow();
  });
});
