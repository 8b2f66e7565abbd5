/**
 * Activity details as friends see them (a game's opponent, score, mode…): at most 16 keys of
 * at most 32 characters, each value a string of at most 100 characters, a finite number or a
 * boolean. Line breaks, control characters and bidi controls in keys (whatever the value) and
 * in text become spaces (protocol/text.ts), as friends see them. Anything else (nested
 * objects, arrays, null) is left out rather than refused, so a game server sending richer
 * payloads keeps working; what is shown stays small and flat.
 *
 * Details are cleaned here once, as they come in (status-commands.ts), and stored cleaned:
 * socket frames, `ready` snapshots and REST views all show these same keys. (A key left with
 * a line break would also differ between them: REST's response schema matches keys with
 * `^.*$`, which no line break matches, so REST dropped such a key that the socket still sent.)
 */
import { safeText, type ActivityDetails } from '../../protocol/index.js';
import { MAX_DETAIL_KEYS as MAX_KEYS } from '../presence/presence-rules.js';

const MAX_KEY = 32;
const MAX_TEXT = 100;

/**
 * The first MAX_TEXT UTF-16 units of a text, one fewer when the last would be the first half of
 * a character beyond them (an emoji): cut there, it became U+FFFD, and friends saw "…�" where
 * the sender had a whole emoji. Half a character sent as such still becomes U+FFFD (safeText).
 */
function cut(text: string): string {
  if (text.length <= MAX_TEXT) return text;
  const last = text.charCodeAt(MAX_TEXT - 1);
  const next = text.charCodeAt(MAX_TEXT);
  const splitsPair = last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
  return text.slice(0, splitsPair ? MAX_TEXT - 1 : MAX_TEXT);
}

export function cleanDetails(raw: object | undefined | null): ActivityDetails | null {
  if (!raw) return null;
  // A Map, so two keys that clean to the same one count once (the later value wins), and a
  // key such as "__proto__" is an ordinary entry.
  const out = new Map<string, string | number | boolean>();
  for (const [key, value] of Object.entries(raw)) {
    if (out.size >= MAX_KEYS) break;
    if (key.length === 0 || key.length > MAX_KEY) continue;
    if (typeof value === 'string') out.set(safeText(key), safeText(cut(value)));
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') out.set(safeText(key), value);
  }
  return out.size === 0 ? null : Object.freeze(Object.fromEntries(out));
}
