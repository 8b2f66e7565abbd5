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
 * while it is open, and only once it has one.
 */
export function duplicateKey(json: string): string | null {
  /** Per open object or array, the keys seen so far (null: none yet, or an array). */
  const open: Array<Set<string> | null> = [];
  const n = json.length;
  for (let i = 0; i < n; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      open.push(null);
    } else if (c === 0x7d || c === 0x5d) {
      open.pop();
    } else if (c === QUOTE) {
      const start = i;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = json.charCodeAt(i);
        if (d === BACKSLASH) {
          escaped = true;
          i++;
        } else if (d === QUOTE) {
          break;
        }
      }
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
