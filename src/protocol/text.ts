/**
 * Text length as people see it: grapheme clusters (an emoji with a skin tone, or a family
 * emoji, is one character), via Intl.Segmenter. Shared by the server's validation and the
 * browser's counters, so both count the same way.
 */
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function countGraphemes(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

/** The grapheme clusters of `text`, in order: "e\u0301", "👍🏽", a family emoji each one. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/**
 * The first `max` UTF-16 units of `text`, one fewer when the last would be the first half of a
 * surrogate pair (an emoji) that goes on past them: a cut there leaves half a character, which
 * becomes U+FFFD. Cheap on any length, unlike counting graphemes; half a character that was
 * sent as such is left as it is.
 */
export function firstUnits(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  const next = text.charCodeAt(max);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? max - 1 : max);
}

/** The first `max` grapheme clusters of `text` (never splits an emoji). */
export function takeGraphemes(text: string, max: number): string {
  let out = '';
  let n = 0;
  for (const { segment } of segmenter.segment(text)) {
    if (n++ >= max) break;
    out += segment;
  }
  return out;
}

/**
 * Characters that draw nothing: spaces, zero-width spaces and joiners, the soft hyphen, variation
 * selectors and other default-ignorable code points (Hangul fillers among them), combining marks
 * (with nothing to sit on, they show nothing), controls, and blanks that fonts draw empty
 * (Braille pattern blank U+2800, musical null notehead U+1D159).
 */
const DRAWS_NOTHING = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{M}\p{Cc}\u2800\u3164\u115F\u1160\uFFA0\u{1D159}]/gu;

/** Whether `text` has at least one character that is seen drawn (a display name must; an avatar's initial is one). */
export function hasVisibleCharacter(text: string): boolean {
  return text.replace(DRAWS_NOTHING, '') !== '';
}

/**
 * What no text shown to friends may hold: control characters (line breaks and tabs among
 * them), line and paragraph separators, and the bidi controls that embed, override or isolate
 * a direction (U+202A–U+202E, U+2066–U+2069). One of them left open in a custom message
 * reverses or reorders the text shown after it, so a message could pass for another one
 * ("Trojan Source"). The bidi marks (LRM, RLM, ALM) stay allowed: right-to-left writers use
 * them, and they change no text but their neighbours' direction.
 */
export const TEXT_UNSAFE_CLASS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
/** What no name may hold: TEXT_UNSAFE_CLASS and also the bidi marks (ALM, LRM, RLM). */
export const NAME_UNSAFE_CLASS = `${TEXT_UNSAFE_CLASS}\\u061c\\u200e\\u200f`;
const NAME_UNSAFE = new RegExp(`[${NAME_UNSAFE_CLASS}]`);
const TEXT_UNSAFE = new RegExp(`[${TEXT_UNSAFE_CLASS}]`);
const TEXT_UNSAFE_ALL = new RegExp(`[${TEXT_UNSAFE_CLASS}]`, 'g');

/** What the API says of text that hasUnsafeText refuses (after the field's name). */
export const UNSAFE_TEXT_RULE = 'may not hold line breaks, control characters, bidi controls or half a character (an unpaired surrogate)';

/** A UTF-16 surrogate without its pair: no character at all, which clients and databases turn into something else. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATE_ALL = new RegExp(LONE_SURROGATE.source, 'g');

/** Whether `text` holds half a character (an unpaired UTF-16 surrogate, which JSON can carry as `\ud800`). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * Whether `text` holds a control character, a line or paragraph separator, a bidi embedding,
 * override or isolate, or half a character (an unpaired surrogate).
 */
export function hasUnsafeText(text: string): boolean {
  return TEXT_UNSAFE.test(text) || hasLoneSurrogate(text);
}

/**
 * Whether a text shows nothing at all (empty, spaces, zero-width characters, variation selectors,
 * marks with nothing to sit on): a custom message of only these is no message, or friends would
 * see an empty quote (status-commands.ts). The same rule as the web app's message form
 * (hasVisibleCharacter): a format character that is drawn (the Arabic end of ayah U+06DD, number
 * sign U+0600) is a message; a variation selector alone is none.
 */
export function isBlankText(text: string): boolean {
  return !hasVisibleCharacter(text);
}

/**
 * `text` with every such character made a space (half a character made U+FFFD): for text
 * Beacon shows but did not get from a person's typing (calendar titles, game details).
 */
export function safeText(text: string): string {
  return text.replace(TEXT_UNSAFE_ALL, ' ').replace(LONE_SURROGATE_ALL, '\ufffd');
}

/**
 * Usernames (CONTRACT): MIN_USERNAME to MAX_USERNAME characters, each a letter A–Z or a–z, a
 * digit or `_`. The one definition: the request schema (schemas.ts Username), the server's
 * error wording and the web app's checks all read it from here (no TypeBox needed to read it).
 */
export const USERNAME_PATTERN = '^[A-Za-z0-9_]+$';
export const MIN_USERNAME = 3;
export const MAX_USERNAME = 20;

/**
 * At most this many characters in a display name (code points, as the request schema counts them).
 * The one definition: the request schema (schemas.ts DisplayName), displayNameFault and the web
 * app's name fields read it from here.
 */
export const MAX_DISPLAY_NAME = 40;

/**
 * Passwords (CONTRACT): a new one is MIN_PASSWORD to MAX_PASSWORD characters (schemas.ts
 * Password); one typed to sign in or to confirm who you are (deleting the account, the current
 * password of a change) is at most MAX_PASSWORD_ENTERED. The web app's password fields, hints
 * and checks read them from here.
 */
export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 128;
export const MAX_PASSWORD_ENTERED = 256;

/**
 * A name trimmed of what draws nothing at either end: spaces, and the characters DRAWS_NOTHING
 * lists (zero-width spaces, word joiners, Hangul fillers, the byte order mark…), so that
 * "\u200bbob" or "bob\u3164" is stored as the "bob" it shows. Whole grapheme clusters go or
 * stay: a variation selector or an accent on a visible character is part of what it shows
 * ("❤️", "e\u0301"); joiners and tag characters left at the end go ("bob\u200d", "Alice\u{E0041}"),
 * but not a subdivision flag's tags. A name must not hold NAME_UNSAFE characters at all: check them first
 * (they draw nothing, and would be trimmed away unseen).
 */
export function trimName(raw: string): string {
  const parts = graphemes(raw);
  let start = 0;
  let end = parts.length;
  while (start < end && !hasVisibleCharacter(parts[start]!)) start++;
  while (end > start && !hasVisibleCharacter(parts[end - 1]!)) end--;
  return trimJoinersAndTags(parts.slice(start, end).join(''));
}

/**
 * Invisible characters that join the cluster before them (a zero-width joiner, the combining
 * grapheme joiner) left at a name's end, where they join nothing: "bob\u200d" shows "bob". Not
 * variation selectors, which choose how the character before them is drawn ("❤️"); tags are
 * judged apart (trimJoinersAndTags).
 */
const JOINS_NOTHING = /^(?![\p{Variation_Selector}\u{E0020}-\u{E007F}])\p{Default_Ignorable_Code_Point}$/u;
const BLACK_FLAG = '\u{1F3F4}';
const CANCEL_TAG = '\u{E007F}';

function isTag(c: string): boolean {
  const cp = c.codePointAt(0)!;
  return cp >= 0xe0020 && cp <= 0xe007f;
}

/**
 * `name` without the joiners (JOINS_NOTHING) and tag characters at its end. Tags (U+E0020–U+E007F)
 * draw something only as an emoji tag sequence: the black flag U+1F3F4, tags, then the cancel tag
 * U+E007F (a subdivision flag such as England's). After anything else they join the cluster
 * before them and draw nothing ("Alice\u{E0041}" shows "Alice"), so they go; a flag's sequence
 * stays, up to its cancel tag. One pass from the end, linear in the name's length.
 */
function trimJoinersAndTags(name: string): string {
  const chars = [...name];
  let end = chars.length;
  while (end > 0) {
    const last = chars[end - 1]!;
    if (isTag(last)) {
      let run = end - 1;
      while (run > 0 && isTag(chars[run - 1]!)) run--;
      if (run > 0 && chars[run - 1] === BLACK_FLAG) {
        const cancel = chars.indexOf(CANCEL_TAG, run);
        if (cancel > run && cancel < end) {
          end = cancel + 1;
          break;
        }
      }
      end = run;
    } else if (JOINS_NOTHING.test(last)) {
      end--;
    } else {
      break;
    }
  }
  return end === chars.length ? name : chars.slice(0, end).join('');
}

/**
 * What is wrong with a display name, trimmed (trimName), as the server checks it
 * (server/users/display-name.ts), in its order: nothing a friend sees drawn (`blank`), more than
 * MAX_DISPLAY_NAME characters (`too_long`), a line break, control character, bidi control or
 * half a character anywhere, at its ends too (`unsafe`). Null for a name the server takes. The
 * web app checks with it before sending.
 */
export function displayNameFault(raw: string): 'blank' | 'too_long' | 'unsafe' | null {
  const name = trimName(raw);
  if (name === '') return 'blank';
  if ([...name].length > MAX_DISPLAY_NAME) return 'too_long';
  if (NAME_UNSAFE.test(raw) || hasLoneSurrogate(raw)) return 'unsafe';
  return null;
}
