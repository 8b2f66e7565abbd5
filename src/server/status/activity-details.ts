/**
 * Activity details as friends see them (a game's opponent, score, mode…): at most 16 keys of
 * at most 32 characters, each value a string of at most 100 characters, a finite number or a
 * boolean. Line breaks, control characters and bidi controls in keys and text become spaces
 * (protocol/text.ts), as friends see them. Anything else (nested objects, arrays, null) is left out rather than refused, so a
 * game server sending richer payloads keeps working; what is shown stays small and flat.
 */
import { safeText, type ActivityDetails } from '../../protocol/index.js';

const MAX_KEYS = 16;
const MAX_KEY = 32;
const MAX_TEXT = 100;

export function cleanDetails(raw: object | undefined | null): ActivityDetails | null {
  if (!raw) return null;
  const out: ActivityDetails = {};
  let n = 0;
  for (const [key, value] of Object.entries(raw)) {
    if (n >= MAX_KEYS || key.length === 0 || key.length > MAX_KEY) continue;
    if (typeof value === 'string') out[safeText(key)] = safeText(value.slice(0, MAX_TEXT));
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') out[key] = value;
    else continue;
    n++;
  }
  return n === 0 ? null : Object.freeze(out);
}
