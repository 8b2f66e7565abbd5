/**
 * Shared Intl date formatters (the SDK's message-text.ts and the web app's dates). `date.toLocaleString(locale, options)` builds a new formatter on
 * every call (about 0.3 ms in V8): a friend list of 1,000 "last seen" tooltips spent a third of a
 * second on them alone. Formatters are kept per locale and options, and made again when the
 * viewer's time zone changes (the OS setting, or TZ in tests), which a kept formatter would not see.
 */

const cache = new Map<string, Intl.DateTimeFormat>();
let zone = '';

/**
 * The time zone's offsets at two fixed instants (winter and summer): a change of zone that
 * moves either shows here, for the cost of two Dates, not of the Intl call it saves.
 */
function zoneMark(): string {
  return `${new Date(Date.UTC(2024, 0, 1)).getTimezoneOffset()}/${new Date(Date.UTC(2024, 6, 1)).getTimezoneOffset()}`;
}

/**
 * `date.toLocaleString(locale, options)` (or its Date/Time variants, for options naming only
 * date or only time fields), through a kept formatter; "Invalid Date" as they say, where a
 * formatter would throw.
 */
export function formatDate(date: Date, locale: string | string[] | undefined, options: Intl.DateTimeFormatOptions): string {
  return Number.isNaN(date.getTime()) ? 'Invalid Date' : dateFormat(locale, options).format(date);
}

/** A formatter for `locale` (the viewer's when undefined) and `options` (a `timeZone` among them, or the viewer's), made once. */
export function dateFormat(locale: string | string[] | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const mark = zoneMark();
  if (mark !== zone) {
    cache.clear();
    zone = mark;
  }
  const key = `${locale ?? ''}|${JSON.stringify(options)}`;
  let format = cache.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    cache.set(key, format);
  }
  return format;
}
