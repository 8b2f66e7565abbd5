/**
 * The web app's username checks (sign-up, the Pending tab's search) are the protocol's one rule:
 * the request schema's Username (protocol/schemas.ts, built from protocol/text.ts), not a copy
 * of its pattern and lengths that could drift from it.
 */
import { describe, expect, it } from 'vitest';
import { Check } from 'typebox/value';
import { Username } from '../../../src/protocol/schemas.js';
import { MAX_USERNAME, MIN_USERNAME } from '../../../src/protocol/text.js';
import { signupProblems, validateSignup } from '../../../src/web/lib/error-messages.js';
import { playerQuery } from '../../../src/web/lib/player-query.js';

const PASSWORD = 'correct horse battery';
const SAMPLES = ['ab', 'abc', 'bob_1', 'A'.repeat(MAX_USERNAME), 'A'.repeat(MAX_USERNAME + 1), 'zoé', 'a b', '@bob', 'bo-b', '___', '12345'];

describe('the username rule in the web app', () => {
  it('sign-up takes exactly the usernames the request schema takes, and says the schema\'s lengths', () => {
    for (const name of SAMPLES) {
      expect(validateSignup(name, PASSWORD) === null, name).toBe(Check(Username, name));
      expect(signupProblems(name, PASSWORD).length === 0, name).toBe(Check(Username, name));
    }
    expect(validateSignup('ab', PASSWORD)).toBe(`Usernames are ${MIN_USERNAME} to ${MAX_USERNAME} letters, digits or underscores.`);
  });

  it('the search refuses only what no username can start with: a character the schema refuses, or more than its length', () => {
    for (const name of SAMPLES) {
      // Any start of a valid username is a fine prefix; a full valid username is one too.
      if (Check(Username, name)) expect(playerQuery(name), name).toEqual({ kind: 'prefix', prefix: name });
    }
    expect(playerQuery('x'.repeat(MAX_USERNAME + 1))).toEqual({ kind: 'invalid', reason: `Usernames are at most ${MAX_USERNAME} characters long.` });
    expect(playerQuery('bo-b')).toMatchObject({ kind: 'invalid' });
  });
});
