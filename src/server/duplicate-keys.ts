/**
 * Duplicate keys in a JSON body. JSON.parse keeps the last of two equal keys, so
 * `{"user_id":1,"user_id":2}` blocked user 2 where a reader (a proxy's log, an audit) saw user 1;
 * Beacon's bodies are strict, so such a body is refused (validation.ts parseJsonBodies).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * The first key given twice in one object of `json`, compared as decoded (`"a"` and `"\u0061"`
 * are the same key), or null. `json` must be valid JSON text (it has been parsed): a string is a
 * key exactly when a colon follows it. One pass, no recursion; an object's keys are kept only
 * while it is open, and only once it has one. A string is skipped by searching for its closing
 * quote (indexOf), not byte by byte: WebSocket frames go through here too, at high rates
 * (realtime/client-frames.ts), and a frame is mostly the text of its strings.
 */
export function duplicateKey(json: string): string | null {
  /** Per open object or array, the keys seen so far (null: none yet, or an array). */
  const open: Array<Set<string> | null> = [];
  const n = json.length;
  /** The first backslash at or after the current string's start (n: none left), searched again only once passed. */
  let backslash = -1;
  for (let i = 0; i < n; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      open.push(null);
    } else if (c === 0x7d || c === 0x5d) {
      open.pop();
    } else if (c === QUOTE) {
      const start = i;
      if (backslash < start) {
        backslash = json.indexOf('\\', start);
        if (backslash < 0) backslash = n;
      }
      let end = json.indexOf('"', start + 1);
      const escaped = backslash < end;
      // A quote after an odd run of backslashes is part of the string.
      if (escaped) while (end > 0 && escapedAt(json, end)) end = json.indexOf('"', end + 1);
      if (end < 0) return null; // not JSON: never after a parse
      i = end;
      let j = i + 1;
      while (j < n && isWhitespace(json.charCodeAt(j))) j++;
      if (j >= n || json.charCodeAt(j) !== COLON || open.length === 0) continue;
      const key = escaped ? (JSON.parse(json.slice(start, i + 1)) as string) : json.slice(start + 1, i);
      const top = open.length - 1;
      const keys = (open[top] ??= new Set());
      if (keys.has(key)) return key;
      keys.add(key);
    }
  }
  return null;
}

/** Whether the character at `at` follows an odd run of backslashes (it is escaped). */
function escapedAt(json: string, at: number): boolean {
  let k = at - 1;
  while (json.charCodeAt(k) === BACKSLASH) k--;
  return (at - 1 - k) % 2 === 1;
}
