import { describe, expect, it } from 'vitest';
import { searchEmoji } from '../../../src/web/lib/emoji-search.js';

const ALL = [
  { unicode: '❤️‍🔥', label: 'heart on fire', tags: ['love'] },
  { unicode: '🚒', label: 'fire engine', tags: ['truck'] },
  { unicode: '🔥', label: 'fire', tags: ['flame'] },
  { unicode: '🧯', label: 'extinguisher', tags: ['fire', 'quench'] },
  { unicode: '😀', label: 'grinning face', tags: ['face'] },
];

describe('searchEmoji', () => {
  it('puts the emoji named exactly so first, then labels starting with the word, then the rest, each in order', () => {
    expect(searchEmoji(ALL, ' Fire ').map((e) => e.unicode)).toEqual(['🔥', '🚒', '❤️‍🔥', '🧯']);
  });

  it('shows every emoji in order for an empty search, up to the limit', () => {
    expect(searchEmoji(ALL, '', 3).map((e) => e.unicode)).toEqual(['❤️‍🔥', '🚒', '🔥']);
  });

  it('finds nothing for a word no label or tag has', () => {
    expect(searchEmoji(ALL, 'qqqq')).toEqual([]);
  });
});
