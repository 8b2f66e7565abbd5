/**
 * The lengths the web app's fields take (their maxlength, their hints, the sign-up and password
 * checks) are the request schemas' own (protocol/schemas.ts, built from protocol/text.ts), not
 * numbers written again in the pages that could drift from them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import { Check } from 'typebox/value';
import { ChangePasswordBody, DeleteAccountBody, DisplayName, LoginBody, Password } from '../../../src/protocol/schemas.js';
import { MAX_DISPLAY_NAME, MAX_PASSWORD, MAX_PASSWORD_ENTERED, MIN_PASSWORD } from '../../../src/protocol/text.js';
import { displayNameProblem, newPasswordProblem, signupProblems, validateSignup } from '../../../src/web/lib/error-messages.js';

/** The longest string of one letter `schema` takes, found by trying up to 1000 (its maxLength, read through Check). */
function longestTaken(schema: TSchema): number {
  let longest = 0;
  for (let n = 1; n <= 1000; n++) if (Check(schema, 'x'.repeat(n))) longest = n;
  return longest;
}

const fieldOf = (body: { properties: Record<string, unknown> }, name: string) => body.properties[name] as TSchema;

describe('the web app\'s field lengths', () => {
  it('the lengths the web reads are the ones the request schemas take, and no more', () => {
    expect(MAX_DISPLAY_NAME).toBe(longestTaken(DisplayName));
    expect(MAX_PASSWORD).toBe(longestTaken(Password));
    expect(Check(Password, 'p'.repeat(MIN_PASSWORD))).toBe(true);
    expect(Check(Password, 'p'.repeat(MIN_PASSWORD - 1))).toBe(false);
    expect(MAX_PASSWORD_ENTERED).toBe(longestTaken(fieldOf(LoginBody, 'password')));
    expect(MAX_PASSWORD_ENTERED).toBe(longestTaken(fieldOf(DeleteAccountBody, 'password')));
    expect(MAX_PASSWORD_ENTERED).toBe(longestTaken(fieldOf(ChangePasswordBody, 'current_password')));
    expect(fieldOf(ChangePasswordBody, 'new_password')).toBe(Password);
  });

  it('the display-name and password checks refuse exactly past those lengths, and say them', () => {
    const name = 'x'.repeat(MAX_DISPLAY_NAME);
    expect(displayNameProblem(name)).toBeNull();
    expect(displayNameProblem(`${name}x`)).toBe(`Display names are at most ${MAX_DISPLAY_NAME} characters.`);
    for (const n of [MIN_PASSWORD - 1, MIN_PASSWORD, MAX_PASSWORD, MAX_PASSWORD + 1]) {
      const pw = 'p'.repeat(n);
      expect(validateSignup('bob', pw) === null, `${pw.length}`).toBe(Check(Password, pw));
      expect(signupProblems('bob', pw).length === 0, `${pw.length}`).toBe(Check(Password, pw));
      expect(newPasswordProblem(pw) === null, `${pw.length}`).toBe(Check(Password, pw));
    }
    expect(newPasswordProblem('p')).toBe(`Passwords are ${MIN_PASSWORD} to ${MAX_PASSWORD} characters long.`);
  });

  it('no page, element or helper of the web app writes a length again (a maxlength, a range or a minimum in its words)', () => {
    const root = join(__dirname, '../../../src/web');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const repeated = new RegExp(
      [
        String.raw`maxlength:\s*\d`, // an input's attribute
        String.raw`-password',\s*\d`, // the password form's field(name, autocomplete, maxlength)
        String.raw`\b\d+\s*(?:–|to)\s*\d+\s+(?:letters|characters)`, // "3–20 letters", "8 to 128 characters"
        String.raw`\(\d+–\d+ characters\)`,
        String.raw`at least \d+ characters`,
        String.raw`length\s*[<>]=?\s*(?:[2-9]|\d{2,})`, // a check (not an emptiness one: > 0, <= 1)
        String.raw`MAX_(?:MESSAGE|\w*NAME|\w*PASSWORD\w*|\w*USERNAME)\s*=\s*\d`, // a limit defined again
      ].join('|'),
      'i',
    );
    const found = files.flatMap((f) =>
      readFileSync(join(root, f), 'utf8')
        .split('\n')
        .map((line, i) => ({ where: `${f}:${i + 1}`, line: line.trim() }))
        .filter(({ line }) => repeated.test(line) && !/^(?:\*|\/\/|\/\*)/.test(line)),
    );
    expect(found).toEqual([]);
  });
});
