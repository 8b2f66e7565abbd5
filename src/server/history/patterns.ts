/**
 * Patterns from status history, pure: a week × hour heatmap of how often the user was
 * present (any status but offline) in their own time zone, and one sentence that sums it
 * up ("Usually online weekdays 18:00–23:00").
 */
import { IANAZone } from 'luxon';
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
  const builder = new HeatmapBuilder(from, to, timeZone);
  for (const p of points) builder.add(p);
  return builder.finish();
}

const QUARTER = 900_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * The heatmap built a point at a time (oldest first), so a long history can be read in pages.
 * Each stretch between two points is spread over the local weekday × hour slots it covers with
 * arithmetic on the zone's UTC offset, looked up once per UTC hour (a lookup in the zone's
 * rules costs ~10 µs), per quarter-hour in an hour whose offset changes. Before, a luxon
 * DateTime per stretch and per hour cost ~75 µs: a user who changed status every minute for 90
 * days held the event loop every user shares for 2 s a read in UTC, 9.6 s in Europe/Paris. And
 * luxon's local "start of the hour, plus an hour" never got past 01:30 on the night Lord Howe
 * Island (Australia/Lord_Howe) turns its clocks back half an hour: a read over that night, in
 * that zone, held the event loop for good. Every step here ends after it starts.
 */
export class HeatmapBuilder {
  readonly #present = new Array<number>(7 * 24).fill(0);
  readonly #observed = new Array<number>(7 * 24).fill(0);
  readonly #zone: IANAZone | null;
  /** The UTC offset (ms) at the start of UTC hour `#hour` and of the next one. */
  #hour = Number.NaN;
  #offset = 0;
  #nextOffset = 0;
  #last: HistoryPoint | null = null;

  constructor(
    private readonly from: number,
    private readonly to: number,
    timeZone: string,
  ) {
    const zone = IANAZone.create(timeZone);
    this.#zone = zone.isValid ? zone : null;
  }

  add(p: HistoryPoint): void {
    const last = this.#last;
    if (last) this.#span(last.at, p.at, last.status !== 'offline');
    this.#last = p;
  }

  finish(): Heatmap {
    const last = this.#last;
    if (last) this.#span(last.at, this.to, last.status !== 'offline');
    this.#last = null;
    return Array.from({ length: 7 }, (_, d) =>
      Array.from({ length: 24 }, (_, h) => {
        const o = this.#observed[d * 24 + h]!;
        return o === 0 ? null : Math.round((this.#present[d * 24 + h]! / o) * 100) / 100;
      }),
    );
  }

  /** Spreads [start, end), clipped to the window, over the local weekday × hour slots it covers. */
  #span(spanStart: number, spanEnd: number, isPresent: boolean): void {
    const end = Math.min(spanEnd, this.to);
    let t = Math.max(spanStart, this.from);
    while (t < end) {
      const hour = Math.floor(t / HOUR);
      if (hour !== this.#hour) this.#enterHour(hour);
      // The offset holds for the whole UTC hour, or else (a daylight-saving change in it; zones
      // change on UTC quarter-hours) for the quarter-hour of `t`.
      let offset = this.#offset;
      let until = (hour + 1) * HOUR;
      if (offset !== this.#nextOffset) {
        const quarter = Math.floor(t / QUARTER);
        offset = this.#offsetAt(quarter * QUARTER);
        until = (quarter + 1) * QUARTER;
      }
      const local = t + offset;
      const localHour = Math.floor(local / HOUR);
      // ISO weekday, Monday 0: 1 January 1970 (day 0) was a Thursday (3).
      const slot = modulo(Math.floor(local / DAY) + 3, 7) * 24 + modulo(localHour, 24);
      const stepEnd = Math.min((localHour + 1) * HOUR - offset, until, end);
      this.#observed[slot]! += stepEnd - t;
      if (isPresent) this.#present[slot]! += stepEnd - t;
      t = stepEnd;
    }
  }

  #enterHour(hour: number): void {
    this.#offset = hour === this.#hour + 1 ? this.#nextOffset : this.#offsetAt(hour * HOUR);
    this.#nextOffset = this.#offsetAt((hour + 1) * HOUR);
    this.#hour = hour;
  }

  /** The zone's UTC offset at `t`, in ms (UTC for a zone luxon cannot read: the routes pass none). */
  #offsetAt(t: number): number {
    return (this.#zone?.offset(t) ?? 0) * 60_000;
  }
}

function modulo(n: number, m: number): number {
  return ((n % m) + m) % m;
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
