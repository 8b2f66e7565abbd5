/**
 * The web app's check of a display name before sending it is the server's own rule: a name
 * the server refuses is named at the display-name field (not blamed on the username or
 * password), and one it takes passes.
 */
import { describe, expect, it } from 'vitest';
import { displayNameProblem, signupProblems } from '../../../src/web/lib/error-messages.js';
import { displayNameFrom } from '../../../src/server/users/display-name.js';

const NAMES = [
  'Alice\u202Eevil', 'Tab\there', 'line\nbreak', 'mark\u200Fed', 'half \ud800', '\u200B\u200B', '   ', 'x'.repeat(41),
  'Alice', '  Bo  ', 'Zoë 👩‍👩‍👧', 'x'.repeat(40), 'مرحبا', '😀'.repeat(40),
];

describe('the display-name check', () => {
  it('refuses exactly what the server refuses', () => {
    for (const name of NAMES) {
      const server = (() => {
        try {
          displayNameFrom(name);
          return 'taken';
        } catch {
          return 'refused';
        }
      })();
      expect(displayNameProblem(name) === null ? 'taken' : 'refused', JSON.stringify(name)).toBe(server);
    }
  });

  it('puts a refused display name on its own field at sign-up; an empty one is no problem (it is optional)', () => {
    expect(signupProblems('dina_names', 'correct horse battery', 'Alice\u202Eevil')).toEqual([
      { field: 'display-name', message: expect.stringContaining('text-direction controls') as unknown as string },
    ]);
    expect(signupProblems('dina_names', 'correct horse battery', 'Tab\there').map((p) => p.field)).toEqual(['display-name']);
    expect(signupProblems('dina_names', 'correct horse battery', '')).toEqual([]);
    expect(signupProblems('d', 'short', 'x'.repeat(41)).map((p) => p.field)).toEqual(['username', 'display-name', 'password']);
  });
});
