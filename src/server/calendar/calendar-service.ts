/**
 * Private calendar feeds: a user gives the URL of their feed (as Google and Outlook publish
 * them); Beacon reads it at once and then every BEACON_CALENDAR_REFRESH_MS, and the events
 * of the next 48 hours become busy intervals in the presence engine ("In a meeting until
 * 15:00"; the event's title only if the user opts in). The URL is a secret: it is never
 * logged and never shown back whole.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { CalendarInfo } from '../../protocol/index.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import type { CalendarBusy } from '../presence/schedule.js';
import type { PresenceService } from '../status/presence-service.js';
import { CalendarRepository } from './calendar-repository.js';
import { IcsRunner } from './ics-runner.js';
import { DEFAULT_FETCH_POLICY, FeedError, fetchFeed } from './safe-fetch.js';

/** Feeds read at once during a refresh round (each slot takes the next feed when its own is done). */
const PARALLEL = 4;
/**
 * A feed the reader had to give up on (too slow, too much memory) sits out rounds before it
 * is read again: 1, then 2, 4 … up to this many after each such failure in a row, so feeds
 * that cost the reader seconds each time (hostile or broken) do not take its time every round.
 * Giving the feed again (PUT) reads it at once and clears this.
 */
const MAX_ROUNDS_OUT = 64;
/**
 * The reader's time (ms, halved every 15 min: ics-runner.ts) a user's feeds may have taken lately
 * for a PUT to be read: a feed of a few hundred events takes tens of ms, the largest (2 MiB) about
 * a second, a hostile one the reader's 3 s deadline. Past it the PUT answers 429 until enough is
 * forgiven, so a few accounts giving hostile feeds in turn cannot keep the reader (a core) busy
 * and every other user's feed waiting, refreshes included.
 */
export const PUT_READER_ALLOWANCE_MS = 5000;


export class CalendarService {
  #timer: NodeJS.Timeout | null = null;
  #round: Promise<void> | null = null;
  /** Turns feeds into busy intervals in a worker thread, off the event loop users share; terminated by stop(). */
  readonly #ics: IcsRunner;
  /** Users whose PUT is being read: one at a time each, so nobody holds more than one place in the reader's queue. */
  readonly #reading = new Set<number>();
  /** Re-reads started by `reword`, awaited by `stop`. */
  readonly #rewording = new Set<Promise<void>>();
  /** Feeds sitting out refresh rounds (MAX_ROUNDS_OUT): rounds left, and failures in a row. */
  readonly #benched = new Map<number, { url: string; roundsLeft: number; strikes: number }>();
  /** The feed's writes, each with the calendar's version the presence input carries. */
  readonly #feeds: CalendarRepository;

  constructor(
    private readonly deps: {
      db: Db;
      presence: PresenceService;
      config: Readonly<Config>;
      now: () => number;
      log: FastifyBaseLogger;
      /** How long fetching one feed may take (DEFAULT_FETCH_POLICY's 10 s; a test's feed server, less). */
      fetchTimeoutMs?: number;
    },
  ) {
    this.#feeds = new CalendarRepository(deps.db);
    this.#ics = new IcsRunner({
      now: deps.now,
      onWorkerStop: (stop) =>
        stop.reason === 'crash'
          ? deps.log.error({ err: stop.err }, 'calendar reader worker died; its feed was refused')
          : deps.log.warn({ reason: stop.reason }, 'calendar reader worker terminated; its feed was refused'),
    });
  }

  async get(userId: number): Promise<CalendarInfo> {
    const row = await this.deps.db.selectFrom('user_calendars').selectAll().where('user_id', '=', userId).executeTakeFirst();
    if (!row) return { configured: false, host: null, share_titles: false, refreshed_at: null, error: null };
    return {
      configured: true,
      host: hostOf(row.url),
      share_titles: row.share_titles === 1,
      refreshed_at: row.refreshed_at === null ? null : new Date(Number(row.refreshed_at)).toISOString(),
      error: row.error,
    };
  }

  /** Saves a feed after reading it once; a feed that cannot be read or parsed is refused (400). */
  async set(userId: number, url: string, shareTitles: boolean): Promise<CalendarInfo> {
    if (this.#reading.has(userId)) throw new AppError('RATE_LIMITED', 'Your calendar is already being read; wait for that answer before sending another', { retryAfterMs: 1000 });
    if (this.#ics.useOf(userId) > PUT_READER_ALLOWANCE_MS) {
      const retryAfterMs = this.#ics.untilUseAtMost(userId, PUT_READER_ALLOWANCE_MS);
      throw new AppError('RATE_LIMITED', `Your calendar feeds took long to read lately; try again in ${Math.max(1, Math.ceil(retryAfterMs / 60_000))} min`, { retryAfterMs });
    }
    this.#reading.add(userId);
    const busy = await this.#read(url, userId, shareTitles)
      .catch((err: unknown) => {
        throw new AppError('VALIDATION_ERROR', err instanceof FeedError ? err.message : 'That address does not serve an iCalendar feed');
      })
      .finally(() => this.#reading.delete(userId));
    this.#benched.delete(userId);
    // Applied with the version the write answered: writes of this calendar made at once (a
    // refresh, a DELETE, a PUT on another instance) end on every replica as the database holds them.
    const version = await this.#feeds.save(userId, { url, shareTitles, busy, refreshedAt: this.deps.now() });
    if (version === null) throw new AppError('NOT_FOUND', 'No such user');
    await this.deps.presence.setCalendar(userId, busy, version);
    return this.get(userId);
  }

  async remove(userId: number): Promise<void> {
    const version = await this.#feeds.remove(userId);
    if (version !== null) await this.deps.presence.setCalendar(userId, [], version);
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.refreshAll(), this.deps.config.calendarRefreshMs);
    this.#timer.unref();
  }

  /** Stops refreshing, waits for a refresh round in progress, then terminates the reader worker. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#round;
    await Promise.all(this.#rewording);
    await this.#ics.close();
  }

  /**
   * Reads every feed again, a few at a time; a feed that fails keeps its last intervals and records
   * why. Never rejects: the timer runs it unawaited, where a rejection (the database down at the
   * round's moment) was unhandled and ended the process. A round the database refused is logged;
   * the next one tries again.
   */
  refreshAll(): Promise<void> {
    this.#round ??= this.#refreshAll()
      .catch((err: unknown) => this.deps.log.warn({ err }, 'calendar feeds not refreshed (the next round tries again)'))
      .finally(() => (this.#round = null));
    return this.#round;
  }

  async #refreshAll(): Promise<void> {
    const all = await this.deps.db.selectFrom('user_calendars').select(['user_id', 'url', 'share_titles']).execute();
    // Feeds removed since (their account deleted, say) are forgotten here too.
    const present = new Set(all.map((row) => row.user_id));
    for (const userId of this.#benched.keys()) if (!present.has(userId)) this.#benched.delete(userId);
    const rows = all.filter((row) => this.#takesPart(row.user_id, row.url));
    // Each feed's refresh is bounded (the fetch's deadline, then the reader's), and holds one
    // slot only: read in groups, every feed of the next group waited for the slowest of the last.
    let failed = 0;
    let next = 0;
    const slot = async () => {
      while (next < rows.length) if (!(await this.#refresh(rows[next++]!, 'background'))) failed++;
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, rows.length) }, slot));
    if (all.length > 0) this.deps.log.info({ feeds: rows.length, failed, sittingOut: all.length - rows.length }, 'calendar feeds refreshed');
  }

  /**
   * Reads the user's feed again now, if they have one: after their schedule's time zone changed,
   * so "In a meeting until 15:00" tells the end in the new zone at once, not at the next round.
   * Never rejects (a failure is logged, or recorded as a round's is); `stop()` waits for it.
   */
  reword(userId: number): Promise<void> {
    const run: Promise<void> = this.#reword(userId)
      .catch((err: unknown) => this.deps.log.warn({ err, userId }, 'calendar not read again after a time zone change'))
      .finally(() => this.#rewording.delete(run));
    this.#rewording.add(run);
    return run;
  }

  async #reword(userId: number): Promise<void> {
    // A PUT reading the feed now reads it in the new zone; it is not held up (no 429 for it).
    if (this.#reading.has(userId)) return;
    const row = await this.deps.db.selectFrom('user_calendars').select(['user_id', 'url', 'share_titles']).where('user_id', '=', userId).executeTakeFirst();
    if (row) await this.#refresh(row, 'person');
  }

  /** Reads one feed again; false when it failed (the reason is recorded, a heavy failure benched). */
  async #refresh(row: { user_id: number; url: string; share_titles: number }, priority: 'person' | 'background'): Promise<boolean> {
    try {
      const busy = await this.#read(row.url, row.user_id, row.share_titles === 1, priority);
      this.#benched.delete(row.user_id);
      // Written only if the feed is still the one read (address and titles shared or not): a PUT meanwhile gave another, read already.
      const version = await this.#feeds.refreshed(row.user_id, { url: row.url, shareTitles: row.share_titles === 1 }, busy, this.deps.now());
      if (version !== null) await this.deps.presence.setCalendar(row.user_id, busy, version);
      return true;
    } catch (err) {
      if (err instanceof FeedError && err.heavy) this.#bench(row.user_id, row.url);
      else this.#benched.delete(row.user_id);
      const reason = err instanceof FeedError ? err.message : 'The feed could not be read as iCalendar';
      await this.deps.db.updateTable('user_calendars').set({ error: reason }).where('user_id', '=', row.user_id).where('url', '=', row.url).execute();
      return false;
    }
  }

  /** Whether the user's feed is read this round (a benched one counts its round down instead; another URL is a new feed). */
  #takesPart(userId: number, url: string): boolean {
    const b = this.#benched.get(userId);
    if (!b || b.url !== url) {
      this.#benched.delete(userId);
      return true;
    }
    if (b.roundsLeft === 0) return true;
    b.roundsLeft--;
    return false;
  }

  /** A heavy failure of this feed: it sits out twice as many rounds as after the last one in a row. */
  #bench(userId: number, url: string): void {
    const before = this.#benched.get(userId);
    const strikes = (before?.url === url ? before.strikes : 0) + 1;
    this.#benched.set(userId, { url, strikes, roundsLeft: Math.min(MAX_ROUNDS_OUT, 2 ** (strikes - 1)) });
  }

  async #read(url: string, userId: number, shareTitles: boolean, priority: 'person' | 'background' = 'person'): Promise<CalendarBusy[]> {
    const policy = { ...DEFAULT_FETCH_POLICY, allowLocal: this.deps.config.calendarAllowLocal, timeoutMs: this.deps.fetchTimeoutMs ?? DEFAULT_FETCH_POLICY.timeoutMs };
    const text = await fetchFeed(url, policy);
    const zone = (await this.deps.presence.getSchedule(userId)).time_zone;
    const now = this.deps.now();
    return this.#ics.read({ ics: text, now, zone, shareTitles }, priority, userId);
  }
}

function hostOf(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}
