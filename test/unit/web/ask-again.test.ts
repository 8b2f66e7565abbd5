/** When a refused friend request may be asked again: from the 429's Retry-After, never too early. */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/client/api.js';
import { askAgainAt } from '../../../src/web/lib/ask-again.js';

const now = Date.parse('2024-06-15T14:30:20.000Z');

describe('askAgainAt', () => {
  it('is now plus the wait, rounded up to the minute it is shown to', () => {
    const declined = new ApiError(429, 'RATE_LIMITED', 'Your last request was declined; you may ask again after …', 86_399_000);
    expect(new Date(askAgainAt(declined, now)!).toISOString()).toBe('2024-06-16T14:31:00.000Z');
  });

  it('is null for any other error, and for a 429 without a wait', () => {
    expect(askAgainAt(new ApiError(429, 'RATE_LIMITED', 'Too many requests'), now)).toBeNull();
    expect(askAgainAt(new ApiError(409, 'CONFLICT', 'Already friends', 5_000), now)).toBeNull();
    expect(askAgainAt(new Error('boom'), now)).toBeNull();
  });
});
