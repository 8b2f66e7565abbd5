/**
 * The time zone Beacon uses for the user: their schedule's `time_zone` as saved on the server
 * (protocol.md §5: UTC for a user who never set one). Its rules, the calendar's messages ("In a
 * meeting until 15:00") and its all-day and floating events, and the week's hours all use it, so
 * the Schedule page shows this one, never the browser's in its place: the browser's is only
 * offered, and saved when the user asks. One object per page, shared by what shows the zone.
 */
import { PreconditionFailedError, type ApiClient } from '../../client/api.js';
import type { ScheduleBody } from '../../protocol/index.js';

type ScheduleApi = Pick<ApiClient, 'getVersionedSchedule' | 'setSchedule'>;
/** Reads and saves before use() gives up when the schedule keeps being saved elsewhere in between. */
const SAVE_ATTEMPTS = 3;

/** The browser's IANA zone, or null when it does not say. */
export function browserZone(): string | null {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return typeof zone === 'string' && zone !== '' ? zone : null;
}

/** True when `a` and `b` name one zone (an alias and its canonical name, as `Etc/UTC` and `UTC`). */
export function sameZone(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    const canonical = (z: string) => new Intl.DateTimeFormat('en', { timeZone: z }).resolvedOptions().timeZone;
    return canonical(a) === canonical(b);
  } catch {
    return false;
  }
}

export class ScheduleZone {
  readonly #api: ScheduleApi;
  /** The browser's zone, offered when it is not the one Beacon uses. */
  readonly browser: string | null;
  #saved: string | null = null;
  readonly #listeners = new Set<(zone: string, previous: string | null) => void>();
  readonly #savedListeners = new Set<(schedule: ScheduleBody) => void>();

  constructor(api: ScheduleApi, browser: string | null = browserZone()) {
    this.#api = api;
    this.browser = browser;
  }

  /** The zone Beacon uses, null until the schedule was read. */
  get saved(): string | null {
    return this.#saved;
  }

  /** The browser's zone when it is not the one Beacon uses (what to offer), else null. */
  get offer(): string | null {
    return this.#saved !== null && this.browser !== null && !sameZone(this.browser, this.#saved) ? this.browser : null;
  }

  /** The zone the server answered or took (a schedule read or saved). */
  known(zone: string): void {
    const previous = this.#saved;
    if (previous === zone) return;
    this.#saved = zone;
    for (const fn of [...this.#listeners]) fn(zone, previous);
  }

  /**
   * Saves `zone` alone: the schedule is saved whole (PUT), so with the rules the server holds now
   * (read just before), which this leaves as they are. Those may have changed on another tab or
   * device since the page read them: what was saved is told to onSaved (the editor shows it).
   * The save names the version read (If-Match): rules saved elsewhere between this read and
   * this write are not lost (412): they are read again and saved with the zone.
   */
  async use(zone: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.#api.getVersionedSchedule();
      let saved: ScheduleBody;
      try {
        saved = await this.#api.setSchedule({ time_zone: zone, rules: current.value.rules }, { ifVersion: current.version });
      } catch (e) {
        if (e instanceof PreconditionFailedError && attempt < SAVE_ATTEMPTS) continue;
        throw e;
      }
      this.known(saved.time_zone);
      for (const fn of [...this.#savedListeners]) fn(saved);
      return;
    }
  }

  /** Calls `fn` with each schedule use() saves (its rules as the server holds them). */
  onSaved(fn: (schedule: ScheduleBody) => void): () => void {
    this.#savedListeners.add(fn);
    return () => this.#savedListeners.delete(fn);
  }

  /** Calls `fn` with each zone known from now on (and the one before it, null at the first). */
  onChange(fn: (zone: string, previous: string | null) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
}
