/**
 * Polls that Beacon answers with 429 (its friend-poll budget, priced by the length of the list:
 * a user with 5,000 friends may read it about once every 5 s, the SDK polls every 3 s): Beacon
 * answered, so the page does not say it is unreachable, and the next poll waits out the
 * `Retry-After` (with jitter) instead of coming back at the poll interval (docs/protocol.md).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, ME, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');
const busyAmy = view(2, 'amy', 'busy');
const STATUS = 'GET /api/v1/users/me/friends/status';

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

type Answer = { status: 200; body: unknown } | { status: 429; retryAfterS?: number };

/** A client whose socket never opens (a proxy that refuses WebSockets), polling a server the test answers. */
async function pollingBehindBlockedSocket(random = 0.5) {
  const h = harness({ fallbackAfterFailures: 1, pollIntervalMs: 3_000, connectTimeoutMs: 1_000_000, random: () => random });
  let answer: Answer = { status: 200, body: [amy] };
  const reply = () =>
    answer.status === 200
      ? answer
      : { status: 429, body: { code: 'RATE_LIMITED', message: "Too many reads of your friends' statuses; slow down" }, headers: answer.retryAfterS === undefined ? undefined : { 'Retry-After': String(answer.retryAfterS) } };
  h.fetch.route(STATUS, reply);
  h.fetch.route(`${STATUS}?reconnect=1`, reply);
  h.fetch.route('GET /api/v1/users/me/status', { status: 200, body: ME });
  h.fetch.route('POST /api/v1/users/me/interaction', { status: 204 });
  const states: string[] = [];
  h.client.on('state', (s) => states.push(s));
  h.client.start();
  h.ws.fail();
  await vi.advanceTimersByTimeAsync(0);
  h.ws.fail(); // the socket fails while the API answers: polling is what works here
  expect(h.client.state).toBe('polling');
  states.length = 0;
  return { h, states, answer: (a: Answer) => (answer = a), polls: () => h.fetch.callsTo(STATUS).length };
}

describe('a poll answered 429 (rate limited)', () => {
  it('keeps saying polling, not offline: Beacon answered, the statuses are those of the last answer', async () => {
    const { h, states, answer } = await pollingBehindBlockedSocket();
    answer({ status: 429, retryAfterS: 2 });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.fetch.callsTo(STATUS).length).toBe(2); // the second poll was refused
    expect(h.client.state).toBe('polling');
    expect(h.client.friends()).toEqual([amy]);
    answer({ status: 200, body: [busyAmy] });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.client.friends()).toEqual([busyAmy]);
    // Never "Offline" (Beacon is unreachable), nor "Reconnecting" with a socket tried at once (no flap).
    expect(states).toEqual([]);
    h.client.stop();
  });

  it('waits out the Retry-After, with jitter on top, before polling again; then polls at its interval', async () => {
    const { h, answer, polls } = await pollingBehindBlockedSocket(0.5);
    answer({ status: 429, retryAfterS: 8 });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(polls()).toBe(2);
    answer({ status: 200, body: [amy] });
    // 8 s × (1 + 0.5 / 2) = 10 s after the refusal: none before.
    await vi.advanceTimersByTimeAsync(9_999);
    expect(polls()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(polls()).toBe(3);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(polls()).toBe(4);
    h.client.stop();
  });

  it('spreads the tabs that were refused together: the wait depends on the jitter', async () => {
    const waits: number[] = [];
    for (const random of [0, 1]) {
      const { h, answer, polls } = await pollingBehindBlockedSocket(random);
      answer({ status: 429, retryAfterS: 4 });
      await vi.advanceTimersByTimeAsync(3_000);
      answer({ status: 200, body: [amy] });
      let waited = 0;
      while (polls() === 2 && waited < 20_000) {
        await vi.advanceTimersByTimeAsync(250);
        waited += 250;
      }
      waits.push(waited);
      h.client.stop();
    }
    expect(waits).toEqual([4_000, 6_000]);
  });

  it('without a usable Retry-After, still waits at least an interval with jitter', async () => {
    const { h, answer, polls } = await pollingBehindBlockedSocket(1);
    answer({ status: 429 });
    await vi.advanceTimersByTimeAsync(3_000);
    answer({ status: 200, body: [amy] });
    await vi.advanceTimersByTimeAsync(4_499);
    expect(polls()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(polls()).toBe(3);
    expect(h.client.state).toBe('polling');
    h.client.stop();
  });

  it('waits at most 30 s whatever the Retry-After (a proxy’s hours), well within the 60 s polling session', async () => {
    const { h, answer, polls } = await pollingBehindBlockedSocket(1);
    answer({ status: 429, retryAfterS: 86_400 });
    await vi.advanceTimersByTimeAsync(3_000);
    answer({ status: 200, body: [busyAmy] });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(polls()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(polls()).toBe(3);
    expect(h.client.friends()).toEqual([busyAmy]);
    h.client.stop();
  });

  it('a device clock set back during the wait does not stretch it', async () => {
    const { h, answer, polls } = await pollingBehindBlockedSocket(0);
    answer({ status: 429, retryAfterS: 4 });
    await vi.advanceTimersByTimeAsync(3_000);
    answer({ status: 200, body: [amy] });
    await vi.advanceTimersByTimeAsync(1_000);
    vi.setSystemTime(Date.now() - 60 * 60_000); // time sync moves the clock an hour back
    h.client.reconnectNow(); // the browser back online: still within the wait, no poll
    await vi.advanceTimersByTimeAsync(0);
    expect(polls()).toBe(2);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(polls()).toBe(3);
    // And back to the poll interval after it, not an hour later.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(polls()).toBe(4);
    h.client.stop();
  });

  it('a device clock set back once the wait is over does not bring it back', async () => {
    const { h, answer, polls } = await pollingBehindBlockedSocket(0);
    answer({ status: 429, retryAfterS: 4 });
    await vi.advanceTimersByTimeAsync(3_000);
    answer({ status: 200, body: [amy] });
    await vi.advanceTimersByTimeAsync(4_000);
    expect(polls()).toBe(3); // the wait is over
    await vi.advanceTimersByTimeAsync(3_000);
    expect(polls()).toBe(4);
    vi.setSystemTime(Date.now() - 60 * 60_000); // time sync moves the clock an hour back
    // Polls at its interval, not the old wait's length.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(polls()).toBe(5);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(polls()).toBe(6);
    // And "Retry now" polls at once, as it does with no wait.
    h.client.reconnectNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(polls()).toBe(7);
    h.client.stop();
  });

  it('"Retry now", the page shown again or the browser back online does not poll before the wait is out', async () => {
    const { h, answer, polls } = await pollingBehindBlockedSocket(0);
    answer({ status: 429, retryAfterS: 6 });
    await vi.advanceTimersByTimeAsync(3_000);
    answer({ status: 200, body: [busyAmy] });
    h.client.reconnectNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(polls()).toBe(2);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(polls()).toBe(3);
    expect(h.client.friends()).toEqual([busyAmy]);
    h.client.stop();
  });
});
