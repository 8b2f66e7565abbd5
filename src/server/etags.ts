/**
 * Versions of a stored resource as HTTP entity tags (RFC 9110 §8.8.3, §13.1.1): `ETag` on its
 * GET and on the answer of a write, `If-Match` on a write that must not replace a version it
 * did not read (optimistic concurrency; 412 when it is not the stored one). Versions are the
 * database's counters (users.schedule_version), the same on every instance.
 */
import { AppError } from './errors.js';

/** The strong entity tag of a stored version: `"7"`. */
export const etagOf = (version: number): string => `"${version}"`;

/**
 * A write refused because its `If-Match` names none of the stored version (412
 * PRECONDITION_FAILED). `stored`: the version the database holds, answered as the 412's `ETag`
 * (the one GET gives), so a client that lost the race learns it without reading again.
 */
export class VersionMovedOn extends AppError {
  constructor(
    readonly stored: number,
    message: string,
  ) {
    super('PRECONDITION_FAILED', message);
  }
}

/** One entity tag of a list: `"…"` or `W/"…"` (no `"` inside, no control characters). */
const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/**
 * The versions an `If-Match` header accepts, or undefined when it sets no condition (absent, or
 * `*`: the resource, a user's own, exists whenever the request is authenticated). The comparison
 * is strong, as If-Match requires: a weak tag (`W/"7"`) or one Beacon never made matches no
 * version (an empty list: the write is refused with 412). Something that is no list of entity
 * tags (`7` without its quotes) is refused with 400, not read as a version that moved on.
 */
export function ifMatchVersions(header: string | string[] | undefined): number[] | undefined {
  if (header === undefined) return undefined;
  const tags = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (tags.length === 0 || tags.some((t) => t !== '*' && !ENTITY_TAG.test(t))) {
    throw new AppError('VALIDATION_ERROR', 'If-Match must be "*" or entity tags as ETag sends them, quotes included, such as "7"');
  }
  if (tags.includes('*')) return undefined;
  return tags.flatMap((t) => {
    const m = /^"(\d{1,15})"$/.exec(t);
    return m ? [Number(m[1])] : [];
  });
}
