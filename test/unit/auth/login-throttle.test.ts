/** The failed-login budget of one instance, in memory, on a hand-moved clock (auth/login-throttle.ts). */
import { describe, expect, it } from 'vitest';
import { LOGIN_FAILURES, LOGIN_THROTTLE_MAX_KEYS, LocalLoginThrottle } from '../../../src/server/auth/login-throttle.js';
import { FakeClock } from '../../helpers/clock.js';

/** The keys one instance keeps (LOGIN_THROTTLE_MAX_KEYS, checked below). */
const KEPT = 100_000;

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

  // A flood of made-up usernames pushed the least recently counted key out of memory, and a
  // locked key (never moved) was among the first: 10 guesses, 100,000 junk names, 10 more.
  it('keeps a locked account locked through more junk usernames than it keeps keys, in bounded memory', async () => {
    const clock = new FakeClock(1_000_000);
    const throttle = new LocalLoginThrottle(clock.now);
    for (let i = 0; i < LOGIN_FAILURES.max; i++) expect(await throttle.attempt('victim', null, true)).toBe(0);
    for (let i = 0; i <= KEPT; i++) await throttle.attempt(`junk${i}`, null, false);
    clock.advance(1000);
    expect(await throttle.attempt('victim', null, true)).toBe(LOGIN_FAILURES.windowMs - 1000);
    expect(throttle.size).toBe(KEPT);
    expect(LOGIN_THROTTLE_MAX_KEYS).toBe(KEPT);
  });

  // The same flood as keys of accounts (other devices' budgets, say): the lockout is the thing kept.
  it('keeps a locked account locked through a flood of other accounts\' keys', async () => {
    const clock = new FakeClock(1_000_000);
    const throttle = new LocalLoginThrottle(clock.now);
    for (let i = 0; i < LOGIN_FAILURES.max; i++) await throttle.attempt('victim', null, true);
    for (let i = 0; i <= KEPT; i++) await throttle.attempt('someone', `device${i}`);
    expect(await throttle.attempt('victim', null, true)).toBe(LOGIN_FAILURES.windowMs);
    expect(throttle.size).toBe(KEPT);
  });

  it('forgets a key whose failures all left the window before any live one, then junk usernames before accounts', async () => {
    const clock = new FakeClock(1_000_000);
    const throttle = new LocalLoginThrottle(clock.now);
    for (let i = 0; i < LOGIN_FAILURES.max; i++) await throttle.attempt('expired', null, true);
    clock.advance(LOGIN_FAILURES.windowMs);
    for (let i = 0; i < 3; i++) await throttle.attempt('bob', null, true); // live, below the limit
    for (let i = 0; i < KEPT - 2; i++) await throttle.attempt(`junk${i}`, null, false);
    await throttle.attempt('newcomer', null, false); // the expired key makes room: every junk key stays
    for (let i = 1; i < LOGIN_FAILURES.max; i++) expect(await throttle.attempt('junk0', null, false)).toBe(0);
    expect(await throttle.attempt('junk0', null, false)).toBeGreaterThan(0);
    await throttle.attempt('newcomer2', null, false); // then the least recently counted junk name, not bob
    for (let i = 3; i < LOGIN_FAILURES.max; i++) expect(await throttle.attempt('bob', null, true)).toBe(0);
    expect(await throttle.attempt('bob', null, true)).toBeGreaterThan(0);
    expect(throttle.size).toBe(KEPT);
  });
});
