/**
 * What the Pending tab's search asks Beacon for, from what was typed: a username prefix. The "@"
 * the app writes before every username is taken off ("@bo" finds @bob, as the rows show him), and
 * a text no username can start with says why, instead of "nobody has it". The rule is the
 * protocol's (protocol/text.ts USERNAME_PATTERN, MAX_USERNAME), as the request schema has it.
 */
import { MAX_USERNAME, USERNAME_PATTERN } from '../../protocol/text.js';

export type PlayerQuery = { kind: 'empty' } | { kind: 'prefix'; prefix: string } | { kind: 'invalid'; reason: string };

const USERNAME_CHARS = new RegExp(USERNAME_PATTERN);

export function playerQuery(typed: string): PlayerQuery {
  const prefix = typed.trim().replace(/^@/, '');
  if (prefix === '') return { kind: 'empty' };
  if (!USERNAME_CHARS.test(prefix)) return { kind: 'invalid', reason: 'Usernames have only letters (A–Z), digits and underscores.' };
  if (prefix.length > MAX_USERNAME) return { kind: 'invalid', reason: `Usernames are at most ${MAX_USERNAME} characters long.` };
  return { kind: 'prefix', prefix };
}
