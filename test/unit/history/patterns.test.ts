import { describe, expect, it } from 'vitest';
import { heatmap, summarize, type HistoryPoint } from '../../../src/server/history/patterns.js';

const H = 3_600_000;
const D = 24 * H;
// Monday 2026-01-05 00:00 UTC.
const MON = Date.UTC(2026, 0, 5);

/** Online from `fromH` to `toH` (UTC hours) on each of the given day offsets from MON. */
function sessions(days: number[], fromH: number, toH: number): HistoryPoint[] {
  return days.flatMap((d) => [
    { at: MON + d * D + fromH * H, status: 'online' as const },
    { at: MON + d * D + toH * H, status: 'offline' as const },
  ]);
}

describe('heatmap', () => {
  it('gives the share of each local hour the user was present, and null where never observed', () => {
    const points = sessions([0], 18, 20);
    const map = heatmap(points, MON, MON + D, 'UTC');
    expect(map[0]![17]).toBeNull(); // before the first known state
    expect(map[0]![18]).toBe(1);
    expect(map[0]![19]).toBe(1);
    expect(map[0]![20]).toBe(0);
    expect(map[1]![0]).toBeNull();
  });

  it('uses the local time zone and counts any status but offline as present', () => {
    const points: HistoryPoint[] = [
      { at: MON + 17 * H, status: 'busy' },
      { at: MON + 17 * H + 30 * 60_000, status: 'offline' },
    ];
    const map = heatmap(points, MON, MON + D, 'Europe/Paris'); // UTC+1 in January
    expect(map[0]![18]).toBe(0.5);
  });

  it('treats repeated statuses (several instances recording one change) as one', () => {
    const points: HistoryPoint[] = [
      { at: MON + 10 * H, status: 'online' },
      { at: MON + 10 * H + 5, status: 'online' },
      { at: MON + 11 * H, status: 'offline' },
    ];
    expect(heatmap(points, MON, MON + D, 'UTC')[0]![10]).toBe(1);
  });
});

describe('summarize', () => {
  it('finds the usual weekday hours', () => {
    const map = heatmap(sessions([0, 1, 2, 3, 4, 7, 8, 9, 10, 11], 18, 23), MON, MON + 14 * D, 'UTC');
    expect(summarize(map)).toBe('Usually online weekdays 18:00–23:00');
  });

  it('says every day when weekdays and weekends agree, and both when they differ', () => {
    const all = heatmap(sessions([0, 1, 2, 3, 4, 5, 6], 20, 22), MON, MON + 7 * D, 'UTC');
    expect(summarize(all)).toBe('Usually online every day 20:00–22:00');
    const both = heatmap([...sessions([0, 1, 2, 3, 4], 18, 20), ...sessions([5, 6], 10, 16)].sort((a, b) => a.at - b.at), MON, MON + 7 * D, 'UTC');
    expect(summarize(both)).toBe('Usually online weekdays 18:00–20:00 and weekends 10:00–16:00');
  });

  it('names a run across midnight whole, not cut at 00:00', () => {
    const nights = heatmap(sessions([0, 1, 2, 3, 4, 5, 6], 22, 26), MON, MON + 7 * D + 3 * H, 'UTC');
    expect(summarize(nights)).toBe('Usually online every day 22:00–02:00');
    const evenings = heatmap(sessions([0, 1, 2, 3, 4, 5, 6], 20, 24), MON, MON + 7 * D, 'UTC');
    expect(summarize(evenings)).toBe('Usually online every day 20:00–00:00');
  });

  it('says "at all hours" when every hour is usual', () => {
    expect(summarize(heatmap([{ at: MON, status: 'online' }], MON, MON + 7 * D, 'UTC'))).toBe('Usually online every day at all hours');
  });

  it('needs two days or more before calling an hour usual', () => {
    expect(summarize(heatmap(sessions([1], 16, 17), MON, MON + 7 * D, 'UTC'))).toBe('No regular online hours yet');
    expect(summarize(heatmap(sessions([1, 2], 16, 17), MON, MON + 7 * D, 'UTC'))).toBe('Usually online weekdays 16:00–17:00');
  });

  it('says so when there is nothing to go on', () => {
    expect(summarize(heatmap([], MON, MON + D, 'UTC'))).toBe('Not enough history yet');
    expect(summarize(heatmap([{ at: MON, status: 'offline' }], MON, MON + 7 * D, 'UTC'))).toBe('No regular online hours yet');
  });
});
