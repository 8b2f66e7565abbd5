/** The Pending tab's search: what it asks Beacon for from what was typed, or why no username can start with it. */
import { describe, expect, it } from 'vitest';
import { playerQuery } from '../../../src/web/lib/player-query.js';

describe('playerQuery', () => {
  it('asks for the username prefix, the @ the app writes before usernames taken off, spaces around ignored', () => {
    expect(playerQuery('bo')).toEqual({ kind: 'prefix', prefix: 'bo' });
    expect(playerQuery(' @bob_1 ')).toEqual({ kind: 'prefix', prefix: 'bob_1' });
    expect(playerQuery(`@${'x'.repeat(20)}`)).toEqual({ kind: 'prefix', prefix: 'x'.repeat(20) });
  });

  it('asks nothing for an empty text or a lone @', () => {
    expect(playerQuery('')).toEqual({ kind: 'empty' });
    expect(playerQuery('  @ ')).toEqual({ kind: 'empty' });
  });

  it('says why a text is no username: a character none has, or too long', () => {
    expect(playerQuery('zoé')).toEqual({ kind: 'invalid', reason: 'Usernames have only letters (A–Z), digits and underscores.' });
    expect(playerQuery('a b')).toMatchObject({ kind: 'invalid' });
    expect(playerQuery('@@bob')).toMatchObject({ kind: 'invalid' });
    expect(playerQuery('x'.repeat(21))).toEqual({ kind: 'invalid', reason: 'Usernames are at most 20 characters long.' });
  });
});
