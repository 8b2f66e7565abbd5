/**
 * The "account deleted" mark one tab leaves for the browser's other tabs (src/web/lib/session.ts):
 * news, not a record. It names the account while the other tabs read it, then goes by itself;
 * one left behind (its tab closed first) is dropped once its time is over.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACCOUNT_DELETED_KEY, ACCOUNT_DELETED_TTL_MS, deletedAccountId, forgetOldAccountDeleted, markAccountDeleted, parseAccountDeleted, setToken } from '../../../src/web/lib/session.js';
import { MemoryStorage } from '../../helpers/memory-storage.js';

let storage: MemoryStorage;
beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-12-04T15:00:00.000Z') });
  storage = new MemoryStorage();
  vi.stubGlobal('localStorage', storage);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('the account-deleted mark', () => {
  it('names the account while the other tabs read it, and goes by itself after its TTL', () => {
    markAccountDeleted(42);
    expect(deletedAccountId()).toBe(42);
    vi.advanceTimersByTime(ACCOUNT_DELETED_TTL_MS - 1);
    expect(deletedAccountId()).toBe(42);
    vi.advanceTimersByTime(1);
    expect(storage.getItem(ACCOUNT_DELETED_KEY)).toBeNull();
  });

  it('a mark left by a tab closed before its TTL is dropped at the next start, or when read', () => {
    storage.setItem(ACCOUNT_DELETED_KEY, JSON.stringify({ id: 7, at: Date.now() - ACCOUNT_DELETED_TTL_MS }));
    forgetOldAccountDeleted();
    expect(storage.getItem(ACCOUNT_DELETED_KEY)).toBeNull();
    // A bare id (an earlier version's mark) has no time: it is dropped too.
    storage.setItem(ACCOUNT_DELETED_KEY, '7');
    expect(deletedAccountId()).toBeNull();
    expect(storage.getItem(ACCOUNT_DELETED_KEY)).toBeNull();
  });

  it('the removal timer leaves a newer mark alone, and a sign-in removes the mark at once', () => {
    markAccountDeleted(1);
    vi.advanceTimersByTime(5_000);
    markAccountDeleted(2); // another account deleted meanwhile
    vi.advanceTimersByTime(ACCOUNT_DELETED_TTL_MS - 5_000);
    expect(deletedAccountId()).toBe(2);
    setToken('tok');
    expect(storage.getItem(ACCOUNT_DELETED_KEY)).toBeNull();
  });

  it('reads the account from a storage event’s value, the earlier bare id included; a removal names none', () => {
    expect(parseAccountDeleted(JSON.stringify({ id: 5, at: 1 }))).toEqual({ id: 5, at: 1 });
    expect(parseAccountDeleted('5')).toEqual({ id: 5, at: null });
    expect(parseAccountDeleted(null)).toBeNull();
    expect(parseAccountDeleted('{"id":"5"}')).toBeNull();
    expect(parseAccountDeleted('garbage')).toBeNull();
  });
});
