/** isHostId, the one rule for host ids that come through no request schema (tokens, ports, the in-process API). */
import { describe, expect, it } from 'vitest';
import { isHostId, MAX_HOST_ID } from '../../../src/protocol/integration.js';

describe('isHostId', () => {
  it('takes safe integers from 1, as the HostId schema and docs/integration.md say; not 0, negatives or fractions', () => {
    expect([1, 42, Number.MAX_SAFE_INTEGER].map(isHostId)).toEqual([true, true, true]);
    expect([0, -5, 1.5, Number.MAX_SAFE_INTEGER + 1, NaN].map(isHostId)).toEqual([false, false, false, false, false]);
  });

  it('counts a string in characters as the schema does (an emoji is one), up to 128', () => {
    expect(isHostId('😀'.repeat(MAX_HOST_ID))).toBe(true);
    expect(isHostId('😀'.repeat(MAX_HOST_ID + 1))).toBe(false);
    expect(isHostId('x'.repeat(MAX_HOST_ID + 1))).toBe(false);
    expect(isHostId('')).toBe(false);
  });
});
