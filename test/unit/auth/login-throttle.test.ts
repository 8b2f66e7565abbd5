/** The failed-login budget of one instance, in memory, on a hand-moved clock (auth/login-throttle.ts). */
import { describe, expect, it } from 'vitest';
import { LOGIN_FAILURES, LocalLoginThrottle } from '../../../src/server/auth/login-throttle.js';

describe('LocalLoginThrottle', () => {
  it('refuses an account from unknown devices once its failures fill the window, until the oldest leaves it', async () => {
    let t = 1_000_000;
    const throttle = new LocalLoginThrottle(() => t);
    for (let i = 0; i < LOGIN_FAILURES.max; i++) expect(await throttle.attempt('alice', null)).toBe(0);
    expect(await throttle.attempt('alice', null)).toBe(LOGIN_FAILURES.windowMs);
    t += LOGIN_FAILURES.windowMs;
    expect(await throttle.attempt('alice', null)).toBe(0);
  });

  // Failures dated before an NTP step back of an hour counted as in the future: the account
  // stayed locked for the window and that hour more.
  it('takes failures from before a clock stepped back as made at the step: locked for the window, not for the step too', async () => {
    let t = 10_000_000;
    const throttle = new LocalLoginThrottle(() => t);
    for (let i = 0; i < LOGIN_FAILURES.max; i++) await throttle.attempt('alice', null);
    t -= 3_600_000;
    expect(await throttle.attempt('alice', null)).toBe(LOGIN_FAILURES.windowMs);
    t += LOGIN_FAILURES.windowMs;
    expect(await throttle.attempt('alice', null)).toBe(0);
  });
});
