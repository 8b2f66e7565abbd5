import type { Timers } from './transport.js';

/**
 * The host's bearer token as the SDK reads it: `getToken()` returns the current token, null
 * when no one is signed in, or a promise of either (an auth library that refreshes over the
 * network, such as `getTokenSilently()`). Read at each connect, reconnect and REST call.
 */
export type TokenSource = () => string | null | PromiseLike<string | null>;

/** What one read of a {@link TokenSource} gave: a token or null now, a promise, or a failure (it threw). */
export type TokenRead = { now: string | null } | { later: PromiseLike<string | null> } | { failed: unknown };

/** Reads `getToken` once, never throwing: a synchronous answer stays synchronous. */
export function readToken(getToken: TokenSource): TokenRead {
  let got: string | null | PromiseLike<string | null>;
  try {
    got = getToken();
  } catch (err) {
    return { failed: err };
  }
  return isThenable(got) ? { later: got } : { now: tokenOrNull(got) };
}

function isThenable(v: unknown): v is PromiseLike<string | null> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * A token promise, bounded: the token (or null), rejecting when the promise rejects or has not
 * settled within `ms` (on `timers`).
 */
export async function tokenWithin(later: PromiseLike<string | null>, ms: number, timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>): Promise<string | null> {
  let timer: unknown;
  const late = new Promise<never>((_, reject) => (timer = timers.setTimeout(() => reject(new Error(`no token within ${ms} ms`)), ms)));
  try {
    return tokenOrNull(await Promise.race([later, late]));
  } finally {
    timers.clearTimeout(timer);
  }
}

/** What a read comes to once settled: the token, or null when there is none, getToken failed, or its promise took over `ms`. */
export async function settled(read: TokenRead, ms: number, timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>): Promise<string | null> {
  if ('now' in read) return read.now;
  if ('failed' in read) return null;
  return tokenWithin(read.later, ms, timers).catch(() => null);
}

/** A token as the SDK uses one: a non-empty string, else null. */
export function tokenOrNull(token: unknown): string | null {
  return typeof token === 'string' && token !== '' ? token : null;
}
