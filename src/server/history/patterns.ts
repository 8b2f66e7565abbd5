/**
 * Patterns from status history, pure: a week × hour heatmap of how often the user was
 * present (any status but offline) in their own time zone, and one sentence that sums it
 * up ("Usually online weekdays 18:00–23:00").
 */
import { DateTime } from 'luxon';
import type { Status } from '../../protocol/index.js';

export interface HistoryPoint {
  at: number;
  status: Status;
}

/** Share of observed time present, per ISO weekday (index 0 = Monday) and local hour; null where never observed. */
export type Heatmap = Array<Array<number | null>>;

/** An hour counts as "usually online" when the user was present at least this share of it. */
const USUAL = 0.5;

/**
 * The heatmap of [from, to) from `points` (transitions, oldest first; the first may precede
 * `from` and gives the state the window opens in). Time before the first known state is
 * not observed; repeated statuses are one.
 */
export function heatmap(points: readonly HistoryPoint[], from: number, to: number, timeZone: string): Heatmap {
  const present = new Array<number>(7 * 24).fill(0);
  const observed = new Array<number>(7 * 24).fill(0);
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const start = Math.max(p.at, from);
    const end = Math.min(points[i + 1]?.at ?? to, to);
    if (end <= start) continue;
    addSpan(start, end, p.status !== 'offline', timeZone, present, observed);
  }
  return Array.from({ length: 7 }, (_, d) =>
    Array.from({ length: 24 }, (_, h) => {
      const o = observed[d * 24 + h]!;
      return o === 0 ? null : Math.round((present[d * 24 + h]! / o) * 100) / 100;
    }),
  );
}

/** Spreads [start, end) over the local weekday × hour slots it covers. */
function addSpan(start: number, end: number, isPresent: boolean, zone: string, present: number[], observed: number[]): void {
  let t = start;
  while (t < end) {
    const local = DateTime.fromMillis(t, { zone });
    const hourEnd = Math.min(local.startOf('hour').plus({ hours: 1 }).toMillis(), end);
    const slot = (local.weekday - 1) * 24 + local.hour;
    observed[slot]! += hourEnd - t;
    if (isPresent) present[slot]! += hourEnd - t;
    t = hourEnd;
  }
}

/** One sentence for the heatmap, or a plain statement that there is not enough history yet. */
export function summarize(map: Heatmap): string {
  const weekdays = usualHours(map.slice(0, 5));
  const weekend = usualHours(map.slice(5, 7));
  if (!weekdays && !weekend) {
    const seen = map.some((day) => day.some((v) => v !== null));
    return seen ? 'No regular online hours yet' : 'Not enough history yet';
  }
  if (weekdays && weekend && weekdays === weekend) return `Usually online every day ${weekdays}`;
  const parts = [weekdays && `weekdays ${weekdays}`, weekend && `weekends ${weekend}`].filter(Boolean);
  return `Usually online ${parts.join(' and ')}`;
}

/**
 * The longest run of hours where the average share over `days` is at least USUAL, as
 * "HH:00–HH:00". Hours go round the clock: a run across midnight is one run ("22:00–02:00"),
 * not cut in two at 00:00 (which said a night owl was usually online until midnight, or only
 * from it). Every hour usual: "at all hours".
 */
function usualHours(days: Heatmap): string | null {
  const avg = Array.from({ length: 24 }, (_, h) => {
    const values = days.map((d) => d[h]).filter((v): v is number => v !== null);
    // One day is no habit: an hour counts only once it was observed on two days or more.
    return values.length < 2 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
  });
  const usual = (h: number): boolean => avg[h % 24]! >= USUAL;
  const off = avg.findIndex((v) => v < USUAL);
  if (off < 0) return 'at all hours';
  // From the hour after one that is not usual, once round the clock: no run is cut at the start.
  let best: [number, number] | null = null;
  let runStart = -1;
  for (let h = off + 1; h <= off + 24; h++) {
    const on = h < off + 24 && usual(h);
    if (on && runStart < 0) runStart = h;
    if (!on && runStart >= 0) {
      if (!best || h - runStart > best[1] - best[0]) best = [runStart, h];
      runStart = -1;
    }
  }
  if (!best) return null;
  const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
  return `${hh(best[0])}–${hh(best[1])}`;
}
