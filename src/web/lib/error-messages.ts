/**
 * Turns SDK errors into sentences a player understands. The API's `code` is stable;
 * its `message` is for developers, so it is only a last resort.
 */

/** Shape of the SDK's ApiError, checked structurally so this stays a pure module. */
export interface CodedError {
  code: string;
  status?: number;
  message: string;
}

export function isCodedError(e: unknown): e is CodedError {
  return e instanceof Error && typeof (e as Partial<CodedError>).code === 'string';
}

const DEFAULTS: Record<string, string> = {
  INVALID_CREDENTIALS: 'Wrong username or password.',
  CONFLICT: 'That already exists.',
  VALIDATION_ERROR: 'Some of what you entered is not valid.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  UNAUTHORIZED: 'Your session has ended. Please log in again.',
  FORBIDDEN: 'You are not allowed to do that.',
  NOT_FOUND: 'That no longer exists.',
  NETWORK_ERROR: 'Cannot reach Beacon. Check your connection and try again.',
  SERVICE_UNAVAILABLE: 'Beacon is temporarily unavailable. Try again in a moment.',
  INTERNAL_ERROR: 'Something went wrong on our side. Try again.',
};

/** Plain words for `e`; `overrides` give the wording a screen needs (e.g. CONFLICT on sign-up). */
export function errorMessage(e: unknown, overrides: Partial<Record<string, string>> = {}): string {
  if (isCodedError(e)) {
    return overrides[e.code] ?? DEFAULTS[e.code] ?? 'Something went wrong. Try again.';
  }
  return 'Something went wrong. Try again.';
}

/** Client-side checks mirroring the contract, so obvious mistakes never round-trip. */
export function validateSignup(username: string, password: string): string | null {
  if (!/^[A-Za-z0-9_]{3,20}$/.test(username)) {
    return 'Usernames are 3 to 20 letters, digits or underscores.';
  }
  if (password.length < 8 || password.length > 128) return 'Passwords are 8 to 128 characters long.';
  return null;
}

export type SignupField = 'username' | 'password';

/** Every problem with a sign-up, per field, in form order (the first one gets focus). */
export function signupProblems(username: string, password: string): Array<{ field: SignupField; message: string }> {
  const out: Array<{ field: SignupField; message: string }> = [];
  if (!/^[A-Za-z0-9_]{3,20}$/.test(username)) out.push({ field: 'username', message: 'Usernames are 3 to 20 letters, digits or underscores.' });
  if (password.length < 8 || password.length > 128) out.push({ field: 'password', message: 'Passwords are 8 to 128 characters long.' });
  return out;
}
