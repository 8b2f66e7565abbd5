/**
 * A username's confusable skeleton: two usernames that read the same in a common sans-serif
 * font have the same skeleton, so standalone registration refuses a username whose skeleton
 * an existing user's has ("lily" taken, "IiIy" and "1ily" are refused; user-repository.ts
 * register()). After Unicode UTS #39 (confusables.txt) as it applies to usernames' alphabet,
 * `[A-Za-z0-9_]`, and ignoring case, as usernames' uniqueness does:
 *
 * - I, l and 1 are one letter (UTS #39: I → l, 1 → l). Case being ignored, so are i and L:
 *   "lily" and "iiiy" clash too, which refuses a little more than the eye would.
 * - O, o and 0 are one letter (UTS #39: 0 → O).
 * - m reads as rn (UTS #39: m → rn), and w as vv: each folds to the pair, so "rnrn", "mrn" and
 *   "mm" all clash, whichever way round they were written.
 *
 * The folds are few on purpose (no 5/S, 2/Z, 8/B, cl/d): each refuses names people want.
 * A skeleton is at most twice a username's length (every letter a w or an m): 40 characters.
 * The migration that filled `users.username_skeleton` (020) applies these same folds in SQL;
 * a change to them needs a new migration that fills the column again.
 */

/** The folds, applied in this order to the lower-cased username (each a plain replace-all). */
export const USERNAME_FOLDS: ReadonlyArray<readonly [from: string, to: string]> = [
  ['i', 'l'],
  ['1', 'l'],
  ['0', 'o'],
  ['m', 'rn'],
  ['w', 'vv'],
];

/** The longest skeleton a username of 20 characters can have. */
export const MAX_USERNAME_SKELETON = 40;

/** `username`'s skeleton: equal for usernames that look alike (see above). */
export function usernameSkeleton(username: string): string {
  let s = username.toLowerCase();
  for (const [from, to] of USERNAME_FOLDS) s = s.replaceAll(from, to);
  return s;
}
