/**
 * What a new password must be, beyond the 8–128 characters of the contract: not blank
 * (spaces only), not the username, and not one of the ~18,000 passwords of 8+ characters
 * in zxcvbn's list of the most common ones (compared case-insensitively).
 */
import { dictionary } from '@zxcvbn-ts/language-common';

let common: Set<string> | null = null;

function commonPasswords(): Set<string> {
  common ??= new Set(dictionary['passwords-common'].filter((p) => p.length >= 8).map((p) => p.toLowerCase()));
  return common;
}

/** Spaces anywhere (not only at the ends) and invisible characters (zero-width spaces, joiners…). */
const BLANK = /[\s\p{Cf}\p{Zs}]/gu;

/** Why `password` is refused for `username`, in words for the user; null when it is fine. */
export function passwordProblem(password: string, username: string): string | null {
  const visible = [...password.replace(BLANK, '')].length;
  if (visible === 0) return 'The password must not be blank';
  if (visible < 8) return 'The password needs at least 8 characters besides spaces';
  const lower = password.trim().toLowerCase();
  if (lower === username.toLowerCase()) return 'The password must not be your username';
  if (commonPasswords().has(lower)) return 'This password is one of the most common ones and easy to guess; choose another';
  return null;
}
