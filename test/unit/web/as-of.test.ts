/**
 * "As of …": the time of the last answer from Beacon, as the drop-in elements and the web app say it. An answer
 * from today is said by its time alone; one from an earlier day (a laptop woken the next
 * morning) with its date too, or "as of 14:02" would pass yesterday's statuses off as today's.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { asOfTime, eachMidnight } from '../../../src/web/lib/as-of.js';

const at = (y: number, m: number, d: number, hh: number, mm: number) => new Date(y, m - 1, d, hh, mm).getTime();
const time = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const day = (t: number) => new Date(t).toLocaleDateString([], { day: 'numeric', month: 'short' });

describe('asOfTime', () => {
  it('says the time alone for an answer from today', () => {
    const answer = at(2026, 12, 7, 14, 2);
    expect(asOfTime(answer, at(2026, 12, 7, 23, 59))).toBe(time(answer));
  });

  it('says the date too for an answer from an earlier day, even less than 24 hours ago', () => {
    const answer = at(2026, 12, 6, 23, 50);
    const said = asOfTime(answer, at(2026, 12, 7, 0, 10));
    expect(said).toContain(time(answer));
    expect(said).toContain(day(answer));
    expect(said).not.toContain('2026');
  });

  it('says the year too for an answer from an earlier year', () => {
    const answer = at(2025, 12, 31, 23, 50);
    const said = asOfTime(answer, at(2026, 1, 1, 8, 0));
    expect(said).toContain(day(answer));
    expect(said).toContain('2025');
  });

  it('says the seconds too when asked (the web app), today and on an earlier day', () => {
    const answer = new Date(2026, 11, 6, 23, 50, 17).getTime();
    const seconds = new Date(answer).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    expect(asOfTime(answer, at(2026, 12, 6, 23, 59), { seconds: true })).toBe(seconds);
    const said = asOfTime(answer, at(2026, 12, 7, 0, 10), { seconds: true });
    expect(said).toContain(seconds);
    expect(said).toContain(day(answer));
  });

  it('reads the device clock for today when not told', () => {
    const answer = Date.now() - 2 * 86_400_000;
    expect(asOfTime(answer)).toContain(day(answer));
  });
});

describe('eachMidnight', () => {
  afterEach(() => vi.useRealTimers());

  it('calls every subscriber just after each of the device\'s midnights, on one timer, until each stops', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date(2026, 11, 7, 23, 59, 0));
    const calls: string[] = [];
    const offA = eachMidnight(() => calls.push(`a ${new Date().getDate()}`));
    const offB = eachMidnight(() => calls.push(`b ${new Date().getDate()}`));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(59_000);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(2_000);
    expect(calls).toEqual(['a 8', 'b 8']);
    offB();
    vi.advanceTimersByTime(24 * 3_600_000);
    expect(calls).toEqual(['a 8', 'b 8', 'a 9']);
    offA();
    offA(); // twice: harmless
    expect(vi.getTimerCount()).toBe(0);
  });
});
