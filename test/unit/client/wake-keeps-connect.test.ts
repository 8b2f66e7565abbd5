/**
 * A wake (the page shown again, the browser back online) while a connect attempt is under way
 * keeps that attempt: restarting it at each wake would never let a slow network finish one (a
 * person going back and forth between tabs). An attempt the machine slept through (begun longer
 * ago than the connect timeout, by the clock) is replaced by a fresh one, as before.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, TOKEN, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');

class FakeWindow extends EventTarget {}
class FakeDocument extends EventTarget {
  visibilityState: DocumentVisibilityState = 'visible';
}

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

function wakes() {
  const net = new FakeWindow();
  const doc = new FakeDocument();
  return {
    net,
    doc,
    /** Shown again, then back online: both wakes. */
    wake(): void {
      doc.dispatchEvent(new Event('visibilitychange'));
      net.dispatchEvent(new Event('online'));
    },
  };
}

describe('a wake while a connect is in flight', () => {
  it('keeps the first connect of a slow network, however often the page is shown again meanwhile', () => {
    const w = wakes();
    const h = harness({ network: w.net, visibility: w.doc, connectTimeoutMs: 10_000 });
    h.client.start();
    const first = h.ws;
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(1_500);
      w.wake();
    }
    expect(h.sockets).toHaveLength(1);
    expect(first.closedByClient).toBeNull();
    h.connect([amy]); // the slow network finally answers, 6 s after the start
    expect(h.client.state).toBe('connected');
    h.client.stop();
  });

  it('keeps a reconnect attempt in flight too', () => {
    const w = wakes();
    const h = harness({ network: w.net, visibility: w.doc, backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 1 });
    h.client.start();
    h.connect([amy]).fail();
    vi.advanceTimersByTime(1_000); // the backoff delay: a new attempt
    expect(h.sockets).toHaveLength(2);
    const attempt = h.ws;
    vi.advanceTimersByTime(2_000);
    w.wake();
    expect(h.sockets).toHaveLength(2);
    expect(attempt.closedByClient).toBeNull();
    expect(h.client.state).toBe('reconnecting');
    h.connect([amy]);
    expect(h.client.state).toBe('connected');
    h.client.stop();
  });

  it('keeps a token read under way (a slow refresh) rather than asking for the token again', async () => {
    const w = wakes();
    let give = (_: string): void => undefined;
    const getToken = vi.fn(() => new Promise<string>((resolve) => (give = resolve)));
    const h = harness({ network: w.net, visibility: w.doc, getToken, connectTimeoutMs: 10_000 });
    h.client.start();
    vi.advanceTimersByTime(1_000);
    w.wake();
    expect(getToken).toHaveBeenCalledTimes(1);
    give(TOKEN);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sockets).toHaveLength(1);
    h.connect([amy]);
    expect(h.client.state).toBe('connected');
    h.client.stop();
  });

  it('replaces an attempt the machine slept through with a fresh one', () => {
    const w = wakes();
    const h = harness({ network: w.net, visibility: w.doc, connectTimeoutMs: 10_000 });
    h.client.start();
    const first = h.ws;
    // Asleep for a minute: the clock moved on, the attempt's timers did not run.
    vi.setSystemTime(Date.now() + 60_000);
    w.wake();
    expect(h.sockets).toHaveLength(2);
    expect(first.closedByClient).not.toBeNull();
    h.client.stop();
  });
});
