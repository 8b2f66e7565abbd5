/** Where the login token lives: localStorage only, never the URL. */
export const TOKEN_KEY = 'beacon.token';

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled (privacy mode): behave as logged out
  }
}

export function setToken(token: string): void {
  // A new sign-in: an earlier deletion's mark (below) has told every tab open then.
  clearAccountDeleted();
  localStorage.setItem(TOKEN_KEY, token);
}

/**
 * Left by the tab that deleted the account (the account's id and when) just before it drops the
 * token, so that the other tabs signed in as that account, which see the token go (or their
 * socket closed), say the account was deleted rather than "signed out in another tab".
 *
 * It is news, not a record: nothing of a deleted account should stay on the browser. The other
 * open tabs hear of it at once through the storage event, which carries the value (removing the
 * mark afterwards takes nothing from them); {@link ACCOUNT_DELETED_TTL_MS} later the deleting
 * tab removes it, and a mark older than that is dropped by any tab that starts or reads it (the
 * deleting tab may have been closed first), as by the next sign-in.
 */
const ACCOUNT_DELETED = 'accountDeleted';
/** Its storage key, as a storage event names it. */
export const ACCOUNT_DELETED_KEY = `beacon.${ACCOUNT_DELETED}`;
/** How long the mark stays: every open tab has read it within moments; this leaves room for a busy machine. */
export const ACCOUNT_DELETED_TTL_MS = 10_000;

/** The account a mark names and when it was left (`{"id","at"}`; a bare id, as an earlier version wrote it, has no time). */
export function parseAccountDeleted(value: string | null): { id: number; at: number | null } | null {
  let v: unknown;
  try {
    v = JSON.parse(value ?? 'null');
  } catch {
    return null;
  }
  if (Number.isInteger(v)) return { id: v as number, at: null };
  if (typeof v !== 'object' || v === null) return null;
  const { id, at } = v as { id?: unknown; at?: unknown };
  if (!Number.isInteger(id)) return null;
  return { id: id as number, at: typeof at === 'number' && Number.isFinite(at) ? at : null };
}

/** Best effort (a preference): without it, the other tabs say they were signed out. Removed by itself after the TTL. */
export function markAccountDeleted(userId: number): void {
  const value = JSON.stringify({ id: userId, at: Date.now() });
  writePref(ACCOUNT_DELETED, value);
  // Unless someone signed in (or deleted another account) meanwhile: then it is no longer this mark.
  setTimeout(() => {
    if (readPref(ACCOUNT_DELETED) === value) clearAccountDeleted();
  }, ACCOUNT_DELETED_TTL_MS);
}

/** The id of the account a tab of this browser deleted within the TTL; an older (or unreadable) mark is dropped. */
export function deletedAccountId(): number | null {
  const value = readPref(ACCOUNT_DELETED);
  if (value === null) return null;
  const mark = parseAccountDeleted(value);
  // A clock set back counts as old too: the mark is never kept longer than asked.
  const fresh = mark !== null && mark.at !== null && Math.abs(Date.now() - mark.at) < ACCOUNT_DELETED_TTL_MS;
  if (fresh) return mark.id;
  clearAccountDeleted();
  return null;
}

/** Drops a mark whose time is over (its tab was closed before it could): at every start of the app. */
export function forgetOldAccountDeleted(): void {
  deletedAccountId();
}

function clearAccountDeleted(): void {
  writePref(ACCOUNT_DELETED, null);
}

export function clearToken(): void {
  localStorage.removeItem(TOKEN_KEY);
}

/** Small typed wrapper for UI preferences kept across visits. */
export function readPref(key: string): string | null {
  try {
    return localStorage.getItem(`beacon.${key}`);
  } catch {
    return null;
  }
}

export function writePref(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(`beacon.${key}`);
    else localStorage.setItem(`beacon.${key}`, value);
  } catch {
    /* preferences are best effort */
  }
}

/**
 * Preferences of one account on this browser (the status menu's last manual status), kept as
 * `beacon.u<id>.<key>`: another person signing in on the same browser does not get them; the
 * same account signing in again does. `previousVisibility` is no longer written (the server
 * restores the audience on unhide: POST /users/me/status/unhide); it is listed so copies an
 * earlier version left are dropped with the account.
 */
export type AccountPref = 'manualStatus' | 'previousVisibility';
const ACCOUNT_PREFS: readonly AccountPref[] = ['manualStatus', 'previousVisibility'];

export function readAccountPref(userId: number, key: AccountPref): string | null {
  return readPref(`u${userId}.${key}`);
}

export function writeAccountPref(userId: number, key: AccountPref, value: string | null): void {
  writePref(`u${userId}.${key}`, value);
}

/** Drops an account's preferences (the account was deleted: nothing of it stays on this browser). */
export function forgetAccountPrefs(userId: number): void {
  for (const key of ACCOUNT_PREFS) writeAccountPref(userId, key, null);
}

/**
 * The same preferences from before they were kept per account (`beacon.manualStatus`,
 * `beacon.previousVisibility`): whose they were is unknown, so none inherits them.
 */
export function dropUnscopedPrefs(): void {
  for (const key of ACCOUNT_PREFS) writePref(key, null);
}

/** Device tokens of the accounts that logged in on this browser (at most this many, newest kept). */
const DEVICE_KEY = 'beacon.devices';
const MAX_DEVICE_ACCOUNTS = 8;

/**
 * The device tokens by lower-cased username, in the order they were saved. A Map, not an object:
 * a username is any of A–Z, a–z, 0–9 and `_`, and `devices["__proto__"] = token` set the object's
 * prototype instead of an entry, so the account named `__proto__` never kept its device token.
 */
function readDevices(): Map<string, string> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(DEVICE_KEY) ?? '{}');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return new Map();
    return new Map(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return new Map();
  }
}

/**
 * The device token this browser got at the account's last login or sign-up: sent with the next
 * login, it keeps this browser out of a lockout that strangers' failed guesses cause. Kept after
 * logout on purpose (it is not a session and opens nothing).
 */
export function deviceTokenFor(username: string): string | undefined {
  return readDevices().get(username.toLowerCase());
}

/** Drops the device token of an account that no longer exists (deleted): nothing of it stays on this browser. */
export function forgetDevice(username: string): void {
  const devices = readDevices();
  if (devices.delete(username.toLowerCase())) writeDevices(devices);
}

export function rememberDevice(username: string, token: string): void {
  const devices = readDevices();
  const key = username.toLowerCase();
  devices.delete(key); // set again last: the oldest are the first forgotten
  devices.set(key, token);
  for (const old of [...devices.keys()].slice(0, Math.max(0, devices.size - MAX_DEVICE_ACCOUNTS))) devices.delete(old);
  writeDevices(devices);
}

/** Best effort: without it, this browser is an unknown device at the next login. */
function writeDevices(devices: Map<string, string>): void {
  try {
    // fromEntries defines each key as its own property, `__proto__` included.
    localStorage.setItem(DEVICE_KEY, JSON.stringify(Object.fromEntries(devices)));
  } catch {
    /* see above */
  }
}
