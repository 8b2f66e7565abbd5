/** isoUtc writes exactly what Date#toISOString writes, for every millisecond it handles and the edges it hands back. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoUtc } from '../../../src/server/presence/iso-time.js';

describe('isoUtc', () => {
  it('matches toISOString over years 0000–9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => isoUtc(ms) === new Date(ms).toISOString()),
      { numRuns: 20_000 },
    );
  });

  it('matches it around today, leap days, century and year ends', () => {
    const edges = [
      0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000,
      Date.UTC(2000, 1, 29), Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 2, 1),
      Date.UTC(2100, 1, 28, 23, 59, 59, 999), Date.UTC(2100, 2, 1), Date.UTC(2024, 11, 31, 23, 59, 59, 999),
      Date.UTC(2026, 11, 2, 1, 9, 5, 7), Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.now(),
    ];
    for (const ms of edges) expect(isoUtc(ms)).toBe(new Date(ms).toISOString());
  });

  it('gives the right string when instants come back in any order (its memo of recent strings)', () => {
    const t = Date.UTC(2026, 11, 3, 6, 40);
    // Same minute, neighbours 16 and 32 ms apart (same low bits), other minutes, and minute starts.
    const pool = [t, t + 16, t + 32, t + 1, t + 60_000, t + 120_000, t + 960_000, t - 60_000, t + 16 * 60_000, t + 59_999, 0, 16, 32];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 300, size: 'max' }), (seq) =>
        seq.every((ms) => isoUtc(ms) === new Date(ms).toISOString()),
      ),
      { numRuns: 500 },
    );
  });

  it('hands dates before 1970, after 9999 and fractional milliseconds to Date', () => {
    for (const ms of [-1, -86_400_001, 253_402_300_800_000, 1.5]) expect(isoUtc(ms)).toBe(new Date(ms).toISOString());
  });
});
