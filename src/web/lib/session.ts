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
  localStorage.setItem(TOKEN_KEY, token);
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
