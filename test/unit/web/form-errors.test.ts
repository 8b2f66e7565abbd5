/**
 * A form's errors said out loud: the summary written into its live line (role=alert), and the
 * way it is written. Found by the accessibility audit (form-errors.mjs, calendar-error.mjs):
 * submitted with Enter from the bad field, focus does not move and nothing was heard.
 * The pages' use of it runs in Chromium: e2e/web-app.e2e.ts (forms), e2e/schedule.e2e.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ANNOUNCE_DELAY_MS, announce, errorSummary } from '../../../src/web/lib/form-errors.js';

describe('errorSummary', () => {
  it('names each field before its error, in form order, one sentence each', () => {
    expect(errorSummary([
      { label: 'Username', message: 'Usernames are 3 to 20 letters, digits or underscores.' },
      { label: 'Password', message: 'Passwords are 8 to 128 characters long.' },
    ])).toBe('Username: Usernames are 3 to 20 letters, digits or underscores. Password: Passwords are 8 to 128 characters long.');
  });

  it("ends the server's words with a full stop when they have none", () => {
    expect(errorSummary([{ label: 'Password', message: 'This password is one of the most common ones and easy to guess; choose another' }]))
      .toBe('Password: This password is one of the most common ones and easy to guess; choose another.');
  });

  it('is empty when nothing is wrong', () => {
    expect(errorSummary([])).toBe('');
  });
});

/** A live line as announce() sees it: what it holds, and each change in order. */
function line(...initially: string[]): { text: () => string; changes: string[]; replaceChildren(...c: Array<Node | string>): void } {
  let children: Array<Node | string> = initially;
  const changes: string[] = [];
  const text = (): string => children.map(String).join('');
  return {
    text,
    changes,
    replaceChildren: (...c) => {
      children = c;
      changes.push(text());
    },
  };
}

describe('announce', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('empties the line at once and writes the text a moment later: two changes, so the same error again is heard again', () => {
    const alert = line('Password: Enter your password.');
    announce(alert, 'Password: Enter your password.');
    expect(alert.text()).toBe('');
    vi.advanceTimersByTime(ANNOUNCE_DELAY_MS - 1);
    expect(alert.text()).toBe('');
    vi.advanceTimersByTime(1);
    expect(alert.text()).toBe('Password: Enter your password.');
    expect(alert.changes).toEqual(['', 'Password: Enter your password.']);
  });

  it('lets a later write replace one still waiting, and an empty one cancel it', () => {
    const alert = line();
    announce(alert, 'Username: Enter your username.');
    announce(alert, 'Password: Enter your password.');
    vi.advanceTimersByTime(ANNOUNCE_DELAY_MS);
    expect(alert.text()).toBe('Password: Enter your password.');
    announce(alert, 'Password: Enter your password.');
    announce(alert, '');
    vi.advanceTimersByTime(10 * ANNOUNCE_DELAY_MS);
    expect(alert.text()).toBe('');
    expect(alert.changes).toEqual(['', '', 'Password: Enter your password.', '', '']);
  });

  it('keeps lines apart', () => {
    const a = line();
    const b = line();
    announce(a, 'A');
    announce(b, 'B');
    vi.advanceTimersByTime(ANNOUNCE_DELAY_MS);
    expect([a.text(), b.text()]).toEqual(['A', 'B']);
  });
});
