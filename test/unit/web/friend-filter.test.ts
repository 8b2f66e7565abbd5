/**
 * The Friends page's filter (a list of 1,000 friends had no way to find one; found by the
 * big-accounts audit): by display name or @username, anywhere in them, whatever the case and
 * accents; an empty filter shows everyone.
 */
import { describe, expect, it } from 'vitest';
import type { View } from '../../../src/protocol/index.js';
import { filterSummary, foldForFilter, friendFilter } from '../../../src/web/lib/friend-filter.js';

const view = (user_id: number, username: string, display_name: string): View => ({
  user_id, username, display_name, status: 'online', activity: null, custom_message: null, last_seen: null, timestamp: '2024-06-15T14:30:00.000Z',
});
const friends = [
  view(1, 'zoe_k', 'Zoé Kovacs'),
  view(2, 'ines', 'Inès Moreau'),
  view(3, 'bo', 'Bo'),
  view(4, 'kovacs_fan', 'Hugo Lambert'),
  view(5, 'lena', 'Léna Fischer'),
];
const find = (query: string): string[] => friends.filter(friendFilter(query)).map((f) => f.username);

describe('friendFilter', () => {
  it('finds by display name or username, anywhere in them, whatever the case', () => {
    expect(find('kovacs')).toEqual(['zoe_k', 'kovacs_fan']);
    expect(find('MOREAU')).toEqual(['ines']);
    expect(find('e_k')).toEqual(['zoe_k']);
  });

  it('ignores accents and other marks, typed or not, and compatibility forms', () => {
    expect(find('zoe')).toEqual(['zoe_k']);
    expect(find('ZOË')).toEqual(['zoe_k']);
    expect(find('ｚｏｅ')).toEqual(['zoe_k']);
    expect(find('lena')).toEqual(['lena']);
    expect(find('inés')).toEqual(['ines']);
    expect(foldForFilter('Zoe\u0301  Kovács ')).toBe('zoe kovacs');
  });

  it('finds everyone for an empty filter, and usernames only after "@"', () => {
    expect(find('')).toHaveLength(5);
    expect(find('   ')).toHaveLength(5);
    expect(find('@')).toHaveLength(5);
    expect(find('@kovacs')).toEqual(['kovacs_fan']);
    expect(find('nobody')).toEqual([]);
  });

  it('says how many it shows, and that it was cleared', () => {
    expect(filterSummary('kov', 2)).toBe('2 friends match');
    expect(filterSummary('kov', 1)).toBe('1 friend matches');
    expect(filterSummary('xyz', 0)).toBe('No friends match');
    expect(filterSummary('', 1000)).toBe('Filter cleared: 1000 friends shown');
  });
});
