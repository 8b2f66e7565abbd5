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
import { firstUnits, safeText, type ActivityDetails } from '../../protocol/index.js';
import { MAX_DETAIL_KEYS as MAX_KEYS } from '../presence/presence-rules.js';

const MAX_KEY = 32;
const MAX_TEXT = 100;

export function cleanDetails(raw: object | undefined | null): ActivityDetails | null {
  if (!raw) return null;
  // A Map, so two keys that clean to the same one count once (the later value wins), and a
  // key such as "__proto__" is an ordinary entry.
  const out = new Map<string, string | number | boolean>();
  for (const [key, value] of Object.entries(raw)) {
    if (out.size >= MAX_KEYS) break;
    if (key.length === 0 || key.length > MAX_KEY) continue;
    // Never through an emoji (friends saw "…�"); half a character sent as such becomes U+FFFD (safeText).
    if (typeof value === 'string') out.set(safeText(key), safeText(firstUnits(value, MAX_TEXT)));
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') out.set(safeText(key), value);
  }
  return out.size === 0 ? null : Object.freeze(Object.fromEntries(out));
}
