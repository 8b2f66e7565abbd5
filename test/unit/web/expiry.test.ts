/**
 * "Clear after" on a device whose clock is wrong: the presets count from the server's time (the
 * page's one estimate, lib/server-time.ts, fed by every view), so "30 minutes" is 30 real minutes
 * and never an expiry the server refuses as past. And the server's refusal of a past expiry is
 * told apart from a refused message.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expiresAt, isPastExpiry } from '../../../src/web/lib/expiry.js';
import { serverClock, serverNow } from '../../../src/web/lib/server-time.js';
import { SAMPLE_WINDOW_MS } from '../../../src/client/server-clock.js';
import { ApiError } from '../../../src/client/api.js';

const MIN = 60_000;
/** The server's time when the view arrives; local wall time, so "Today" is the same day everywhere. */
const SERVER = new Date(2024, 0, 15, 23, 0, 0).getTime();

/** The device reads `skewMin` minutes off the server when a view the server just made arrives. */
function deviceSkewed(skewMin: number): void {
  vi.setSystemTime(SERVER + skewMin * MIN);
  serverClock.observe(new Date(SERVER).toISOString());
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  // The page's estimate outlives a test (files share modules): leave it at "the device is right".
  vi.setSystemTime(Date.now() + SAMPLE_WINDOW_MS + 1);
  serverClock.observe(new Date().toISOString());
  vi.useRealTimers();
});

describe('expiresAt on a device with a wrong clock', () => {
  it('"30 minutes" is 30 minutes of server time with the device 45 minutes slow (not a time already past)', () => {
    deviceSkewed(-45);
    vi.advanceTimersByTime(2_000); // the user types, then saves
    expect(serverNow().getTime()).toBe(SERVER + 2_000);
    expect(expiresAt('30m')).toBe(new Date(SERVER + 2_000 + 30 * MIN).toISOString());
    expect(expiresAt('4h')).toBe(new Date(SERVER + 2_000 + 240 * MIN).toISOString());
  });

  it('"30 minutes" is not 90 with the device 60 minutes fast, and "Today" ends today, not tomorrow', () => {
    deviceSkewed(60); // 23:00 on the server, already 00:00 tomorrow on the device
    expect(expiresAt('30m')).toBe(new Date(SERVER + 30 * MIN).toISOString());
    expect(expiresAt('today')).toBe(new Date(2024, 0, 15, 23, 59, 59, 999).toISOString());
    expect(expiresAt('never')).toBeNull();
  });

  it('still takes an explicit time', () => {
    expect(expiresAt('1h', new Date(SERVER))).toBe(new Date(SERVER + 60 * MIN).toISOString());
  });
});

describe('isPastExpiry', () => {
  it("tells the server's refusal of a past expiry from a refused message", () => {
    expect(isPastExpiry(new ApiError(400, 'VALIDATION_ERROR', 'expires_at must be in the future'))).toBe(true);
    expect(isPastExpiry(new ApiError(400, 'VALIDATION_ERROR', 'body.custom_message must NOT have more than 512 characters'))).toBe(false);
    expect(isPastExpiry(new ApiError(429, 'RATE_LIMITED', 'expires_at must be in the future'))).toBe(false);
    expect(isPastExpiry(new Error('expires_at must be in the future'))).toBe(false);
  });
});
