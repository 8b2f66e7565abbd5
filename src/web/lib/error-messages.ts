/**
 * Turns SDK errors into sentences a player understands. The API's `code` is stable;
 * its `message` is for developers, so it is only a last resort.
 */

import { displayNameFault, MAX_DISPLAY_NAME, MAX_PASSWORD, MAX_USERNAME, MIN_PASSWORD, MIN_USERNAME, USERNAME_PATTERN } from '../../protocol/text.js';

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

const USERNAME_CHARS = new RegExp(USERNAME_PATTERN);
/** The protocol's username rule (protocol/text.ts, which the request schema uses too). */
const usernameOk = (username: string): boolean =>
  username.length >= MIN_USERNAME && username.length <= MAX_USERNAME && USERNAME_CHARS.test(username);
const USERNAME_RULE = `Usernames are ${MIN_USERNAME} to ${MAX_USERNAME} letters, digits or underscores.`;

/** What is wrong with a new password's length (the request schema's Password, from protocol/text.ts); null when it fits. */
export function newPasswordProblem(password: string): string | null {
  return password.length < MIN_PASSWORD || password.length > MAX_PASSWORD ? `Passwords are ${MIN_PASSWORD} to ${MAX_PASSWORD} characters long.` : null;
}

/** Client-side checks mirroring the contract, so obvious mistakes never round-trip. */
export function validateSignup(username: string, password: string): string | null {
  if (!usernameOk(username)) return USERNAME_RULE;
  return newPasswordProblem(password);
}

export type SignupField = 'username' | 'display-name' | 'password';

/**
 * What is wrong with a display name the server would refuse, in a sentence (protocol/text.ts
 * displayNameFault, the server's own rule); null for one it takes. A pasted name can carry a
 * tab or a bidi control that nobody sees.
 */
export function displayNameProblem(name: string): string | null {
  switch (displayNameFault(name)) {
    case 'blank': return 'A display name needs at least one character that shows.';
    case 'too_long': return `Display names are at most ${MAX_DISPLAY_NAME} characters.`;
    case 'unsafe': return 'Display names cannot hold tabs, line breaks, other control characters or text-direction controls (often pasted in unseen).';
    default: return null;
  }
}

/**
 * Every problem with a sign-up, per field, in form order (the first one gets focus). The display
 * name is optional: an empty one is no problem.
 */
export function signupProblems(username: string, password: string, displayName = ''): Array<{ field: SignupField; message: string }> {
  const out: Array<{ field: SignupField; message: string }> = [];
  if (!usernameOk(username)) out.push({ field: 'username', message: USERNAME_RULE });
  const name = displayName === '' ? null : displayNameProblem(displayName);
  if (name) out.push({ field: 'display-name', message: name });
  const pw = newPasswordProblem(password);
  if (pw) out.push({ field: 'password', message: pw });
  return out;
}
