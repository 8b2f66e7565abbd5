/**
 * Display names, as friends see them in lists, toasts and system notifications. One set of
 * rules for every path that sets one: sign-up (auth-service.ts register()), a rename
 * (PATCH /users/me) and, in the integration modes, the host's names (integration/id-map.ts).
 *
 * A name holds no line breaks, control characters or bidi controls (NAME_UNSAFE_CHARS: the
 * request schema refuses them from a person; a host's become spaces), is trimmed of spaces and
 * of characters that draw nothing at its ends (trimName: "\u200bbob" is "bob"), and has at
 * least one character a friend can see. "   " is blank, and so is a name made only of
 * characters that draw nothing: zero-width spaces and joiners, the soft hyphen, variation
 * selectors and other default-ignorable code points (Hangul fillers among them), combining
 * marks with nothing to sit on, and blanks that fonts draw empty (Braille pattern blank U+2800,
 * musical null notehead U+1D159). Such characters stay allowed inside a name that shows
 * something: emoji sequences need the zero-width joiner, Persian the non-joiner.
 */
import { displayNameFault, firstUnits, hasVisibleCharacter, MAX_DISPLAY_NAME, NAME_UNSAFE_CHARS, trimName, UNSAFE_TEXT_RULE } from '../../protocol/index.js';
import { AppError } from '../errors.js';

/** Whether a name has at least one character that a friend sees drawn (protocol/text.ts, shared with the web app). */
export { hasVisibleCharacter };

/** At most this many characters (code points, as the request schema counts them). */
export { MAX_DISPLAY_NAME };

/**
 * The display name a person asked for, as it is stored: trimmed of spaces and of characters
 * that draw nothing at its ends (protocol/text.ts trimName). `400 VALIDATION_ERROR` when
 * nothing visible is left ("must not be blank", as for spaces only), when it is too long or
 * holds a line break, control character or bidi control (the schema refuses these first).
 * The rule is protocol/text.ts displayNameFault, which the web app checks before sending.
 */
export function displayNameFrom(raw: string, field = 'body/display_name'): string {
  const fault = displayNameFault(raw);
  if (fault === 'blank') throw new AppError('VALIDATION_ERROR', `${field} must not be blank`);
  if (fault === 'too_long') throw new AppError('VALIDATION_ERROR', `${field} must be at most ${MAX_DISPLAY_NAME} characters`);
  if (fault === 'unsafe') throw new AppError('VALIDATION_ERROR', `${field} ${UNSAFE_TEXT_RULE}`);
  return trimName(raw);
}

/**
 * How much of a host's name is read, in UTF-16 code units: MAX_DISPLAY_NAME characters of the
 * longest emoji sequences (a subdivision flag is 14 units) with room for padding before them.
 * A host's names are not bounded by a schema (its users may pick long ones), and splitting text
 * into characters is slow on long runs of some sequences (40,000 flag-and-tag pairs held the
 * event loop for a minute), so a longer name is cut here first, never splitting a surrogate pair.
 * A name whose first visible character comes after this many units of padding shows `?`.
 */
export const HOST_NAME_READ = MAX_DISPLAY_NAME * 32;

/**
 * A host's name as Beacon shows it: what no name may hold becomes spaces, trimmed as a person's
 * name is (trimName), at most MAX_DISPLAY_NAME characters (trimmed again: the cut may end on
 * what draws nothing); `?` when nothing visible is left (an empty name, or one only of invisible
 * characters), so friends never see a user without a name.
 */
export function hostDisplayName(name: string): string {
  const clipped = trimName([...trimName(firstUnits(name, HOST_NAME_READ).replace(NAME_UNSAFE_CHARS, ' '))].slice(0, MAX_DISPLAY_NAME).join(''));
  return clipped === '' ? '?' : clipped;
}

/**
 * A display name an older Beacon stored, as today's rules keep it (migration 022): a host's
 * shadow row's as hostDisplayName shows a host's name (`?` when nothing visible is left); a
 * person's trimmed as at sign-up and rename (trimName), and their username when nothing visible
 * is left, the name sign-up gives a person who gives none. A name stored by this release
 * comes back unchanged.
 */
export function storedDisplayName(row: { username: string; display_name: string; external_id: string | null }): string {
  if (row.external_id !== null) return hostDisplayName(row.display_name);
  return trimName(row.display_name) || row.username;
}
