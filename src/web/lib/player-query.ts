/**
 * What the Pending tab's search asks Beacon for, from what was typed: a username prefix. The "@"
 * the app writes before every username is taken off ("@bo" finds @bob, as the rows show him), and
 * a text no username can start with says why, instead of "nobody has it".
 */
export type PlayerQuery = { kind: 'empty' } | { kind: 'prefix'; prefix: string } | { kind: 'invalid'; reason: string };

/** The longest username (CONTRACT: 3–20 characters); the field takes one more, for the "@". */
export const USERNAME_MAX = 20;

export function playerQuery(typed: string): PlayerQuery {
  const prefix = typed.trim().replace(/^@/, '');
  if (prefix === '') return { kind: 'empty' };
  if (!/^[A-Za-z0-9_]+$/.test(prefix)) return { kind: 'invalid', reason: 'Usernames have only letters (A–Z), digits and underscores.' };
  if (prefix.length > USERNAME_MAX) return { kind: 'invalid', reason: `Usernames are at most ${USERNAME_MAX} characters long.` };
  return { kind: 'prefix', prefix };
}
