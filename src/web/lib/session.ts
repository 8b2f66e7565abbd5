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
 * Left by the tab that deleted the account (the account's id) just before it drops the token,
 * so that the other tabs signed in as that account, which see the token go (or their socket
 * closed), say the account was deleted rather than "signed out in another tab". Removed at the
 * next sign-in.
 */
const ACCOUNT_DELETED = 'accountDeleted';
/** Its storage key, as a storage event names it. */
export const ACCOUNT_DELETED_KEY = `beacon.${ACCOUNT_DELETED}`;

/** Best effort (a preference): without it, the other tabs say they were signed out. */
export function markAccountDeleted(userId: number): void {
  writePref(ACCOUNT_DELETED, String(userId));
}

/** The id of the account a tab of this browser deleted last, if no one signed in since. */
export function deletedAccountId(): number | null {
  const id = Number(readPref(ACCOUNT_DELETED) ?? NaN);
  return Number.isInteger(id) ? id : null;
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

function readDevices(): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(DEVICE_KEY) ?? '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/**
 * The device token this browser got at the account's last login or sign-up: sent with the next
 * login, it keeps this browser out of a lockout that strangers' failed guesses cause. Kept after
 * logout on purpose (it is not a session and opens nothing).
 */
export function deviceTokenFor(username: string): string | undefined {
  const token = readDevices()[username.toLowerCase()];
  return typeof token === 'string' ? token : undefined;
}

/** Drops the device token of an account that no longer exists (deleted): nothing of it stays on this browser. */
export function forgetDevice(username: string): void {
  const devices = readDevices();
  const key = username.toLowerCase();
  if (!(key in devices)) return;
  delete devices[key];
  writeDevices(devices);
}

export function rememberDevice(username: string, token: string): void {
  const devices = readDevices();
  const key = username.toLowerCase();
  delete devices[key];
  devices[key] = token;
  const names = Object.keys(devices);
  for (const old of names.slice(0, Math.max(0, names.length - MAX_DEVICE_ACCOUNTS))) delete devices[old];
  writeDevices(devices);
}

/** Best effort: without it, this browser is an unknown device at the next login. */
function writeDevices(devices: Record<string, string>): void {
  try {
    localStorage.setItem(DEVICE_KEY, JSON.stringify(devices));
  } catch {
    /* see above */
  }
}
