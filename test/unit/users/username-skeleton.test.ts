import { describe, expect, it } from 'vitest';
import { MAX_USERNAME_SKELETON, usernameSkeleton } from '../../../src/server/users/username-skeleton.js';

describe('usernameSkeleton', () => {
  it.each([
    ['lilyxxxx', 'IiIyxxxx', 'capital I for lowercase l'],
    ['lilyxxxx', '1ilyxxxx', 'digit 1 for l'],
    ['LILYxxxx', 'lilyxxxx', 'case'],
    ['bob_0', 'BOB_o', 'O and o and 0'],
    ['b0b', 'bob', 'digit 0 for o'],
    ['mia', 'rnia', 'rn for m'],
    ['marnie', 'rnarnie', 'rn for m, with an rn already there'],
    ['mm', 'rnrn', 'both m written as rn'],
    ['mrn', 'rnm', 'm and rn either way round'],
    ['wendy', 'vvendy', 'vv for w'],
    ['vvv', 'wv', 'vv for w at the start of three v'],
    ['vvv', 'vw', 'vv for w at the end of three v'],
    ['WILL0W', 'vvi11ovv', 'several folds at once'],
  ])('%s and %s share a skeleton (%s)', (a, b) => {
    expect(usernameSkeleton(a)).toBe(usernameSkeleton(b));
  });

  it.each([
    ['lily', 'lilly', 'a letter more'],
    ['lily_', 'lily', 'an underscore'],
    ['rn', 'n', 'r dropped'],
    ['vv', 'v', 'one v'],
    ['sam', '5am', '5 and S are not folded'],
    ['zed', '2ed', '2 and Z are not folded'],
    ['clay', 'day', 'cl and d are not folded'],
    ['uu', 'w', 'uu is not w'],
  ])('%s and %s differ (%s)', (a, b) => {
    expect(usernameSkeleton(a)).not.toBe(usernameSkeleton(b));
  });

  it('folds to lower case, l for I/i/1, o for 0, rn for m and vv for w, leaving the rest', () => {
    expect(usernameSkeleton('Im_0K_1w')).toBe('lrn_ok_lvv');
    expect(usernameSkeleton('abc_XYZ_789')).toBe('abc_xyz_789');
  });

  it('is stable: a skeleton is its own skeleton', () => {
    for (const name of ['IiIyxxxx', 'mmwwO01', 'rnrnvvvv', 'plain_name']) {
      const s = usernameSkeleton(name);
      expect(usernameSkeleton(s)).toBe(s);
    }
  });

  it(`fits ${MAX_USERNAME_SKELETON} characters for the longest username`, () => {
    expect(usernameSkeleton('m'.repeat(10) + 'W'.repeat(10))).toHaveLength(MAX_USERNAME_SKELETON);
  });
});
