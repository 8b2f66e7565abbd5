import vm from 'node:vm';
import { DateTime } from 'luxon';
import { describe, expect, it, vi } from 'vitest';
import { heatmap, summarize, type Heatmap, type HistoryPoint } from '../../../src/server/history/patterns.js';

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

/**
 * The heatmap reckoned a quarter-hour at a time with luxon (zones change offset on UTC
 * quarter-hours, so for points on quarter-hours this is exact): the reference the fast one must match.
 */
function referenceHeatmap(points: readonly HistoryPoint[], from: number, to: number, zone: string): Heatmap {
  const present = new Array<number>(7 * 24).fill(0);
  const observed = new Array<number>(7 * 24).fill(0);
  let i = -1;
  for (let t = from; t < to; t += Q) {
    while (i + 1 < points.length && points[i + 1]!.at <= t) i++;
    if (i < 0) continue;
    const local = DateTime.fromMillis(t, { zone });
    const slot = (local.weekday - 1) * 24 + local.hour;
    observed[slot]! += Q;
    if (points[i]!.status !== 'offline') present[slot]! += Q;
  }
  return Array.from({ length: 7 }, (_, d) => Array.from({ length: 24 }, (_, h) => (observed[d * 24 + h] === 0 ? null : Math.round((present[d * 24 + h]! / observed[d * 24 + h]!) * 100) / 100)));
}

const Q = 15 * 60_000;

/** heatmap(), interrupted (throws) after `ms`: a read that never ends would hold the test run, as it held the server. */
function boundedHeatmap(points: readonly HistoryPoint[], from: number, to: number, zone: string, ms = 5000): Heatmap {
  return vm.runInNewContext('heatmap(points, from, to, zone)', { heatmap, points, from, to, zone }, { timeout: ms }) as Heatmap;
}

describe('heatmap over long histories', () => {
  // Zones with daylight saving, half- and quarter-hour offsets, and a 30-minute daylight shift (Lord Howe).
  const zones = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Adelaide', 'America/St_Johns', 'Australia/Lord_Howe', 'Pacific/Chatham'];
  /** Changes on random quarter-hours over 120 days, across both daylight-saving changes of 2026; the first before the window. */
  function randomHistory(seed: number): HistoryPoint[] {
    let x = seed;
    const next = () => (x = (x * 16_807) % 2_147_483_647) / 2_147_483_647;
    const points: HistoryPoint[] = [];
    for (let at = Date.UTC(2026, 1, 20); at < Date.UTC(2026, 5, 20); at += Q * (1 + Math.floor(next() * 20))) {
      points.push({ at, status: (['online', 'away', 'offline', 'busy'] as const)[Math.floor(next() * 4)]! });
    }
    return points;
  }

  it.each(zones)('matches luxon in %s, daylight-saving changes included', (zone) => {
    for (const seed of [1, 2]) {
      const points = randomHistory(seed);
      const from = Date.UTC(2026, 2, 1, 0, 15);
      const to = Date.UTC(2026, 5, 10, 5, 45);
      expect(boundedHeatmap(points, from, to, zone)).toEqual(referenceHeatmap(points, from, to, zone));
    }
  });

  it('gets through the night Lord Howe Island turns its clocks back half an hour (luxon’s hour stepping never did)', () => {
    // 2026-04-05 02:00 +11:00 (15:00 UTC) became 01:30 +10:30. Online 14:00-15:10 UTC, then offline until 16:00.
    const points: HistoryPoint[] = [
      { at: Date.UTC(2026, 3, 4, 14), status: 'online' },
      { at: Date.UTC(2026, 3, 4, 15, 10), status: 'offline' },
    ];
    const from = Date.UTC(2026, 3, 4, 14);
    const to = Date.UTC(2026, 3, 4, 16);
    // Interrupted after 2 s: before, this call held the event loop for good.
    const map = boundedHeatmap(points, from, to, 'Australia/Lord_Howe', 2000);
    // Sunday 01:00-02:00 local lasted 90 minutes (70 of them online); 02:00-02:30 local, 30 (none).
    expect(map[6]![1]).toBe(0.78);
    expect(map[6]![2]).toBe(0);
    expect(map.flat().filter((v) => v !== null)).toHaveLength(2);
  });

  it('reads 90 days of a change a minute without a date-time object per change (it held the event loop 2-10 s a read)', () => {
    // Found from outside: five accounts that changed status every minute for 90 days, reading their
    // history in turn (30 reads a minute each), made a bystander's status change reach her friend 14-47 s late.
    const to = Date.UTC(2026, 9, 1);
    const from = to - 90 * D;
    const points: HistoryPoint[] = [];
    for (let at = from; at < to; at += 60_000) points.push({ at, status: (at / 60_000) % 3 === 0 ? 'offline' : 'online' });
    const fromMillis = vi.spyOn(DateTime, 'fromMillis');
    try {
      const map = boundedHeatmap(points, from, to, 'Europe/Paris');
      expect(fromMillis).not.toHaveBeenCalled();
      expect(map.flat().every((v) => v !== null && Math.abs(v - 0.67) < 0.02)).toBe(true);
    } finally {
      fromMillis.mockRestore();
    }
  });
});
