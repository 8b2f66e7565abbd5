/** Log in and sign up. The token goes to localStorage (never the URL) via `onAuthenticated`. */
import type { ApiClient } from '../../client/api.js';
import type { User } from '../lib/label-types.js';
import { displayNameProblem, errorMessage, isCodedError, signupProblems, type SignupField } from '../lib/error-messages.js';
import { h, srOnly } from '../lib/dom.js';
import { MAX_PASSWORD, MAX_USERNAME, MIN_PASSWORD, MIN_USERNAME } from '../../protocol/text.js';
import { announce, errorSummary } from '../lib/form-errors.js';

/** A username refused for reading as a taken one (the server's rule: protocol.md, "Look-alike usernames"). */
const LOOKALIKE = 'That username looks too much like a username already taken (I, l and 1 look alike, as do O and 0, rn and m). Try another one.';
import { deviceTokenFor, rememberDevice } from '../lib/session.js';

export interface AuthContext {
  api: ApiClient;
  mode: 'login' | 'signup';
  /** Why the user is here, e.g. an expired session (shown as an error). */
  notice?: string | null;
  /** News that is not an error, e.g. "Your account was deleted." (a status line). */
  info?: string | null;
  onAuthenticated(token: string, user: User): void;
}

/** Each field's name in the form's error summary ("Password: …"). */
const FIELD_NAMES: Record<SignupField, string> = { username: 'Username', 'display-name': 'Display name', password: 'Password' };

/** A labelled input with its hint and its own error line (both in aria-describedby). */
function field(id: string, label: string, attrs: Record<string, string | number | boolean>, hint?: string): HTMLElement {
  const describedBy = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
  return h(
    'div',
    { class: 'grid gap-1.5' },
    h('label', { for: id, class: 'text-sm font-medium text-slate-200' }, label),
    h('input', { id, name: id.replace('auth-', ''), class: 'beacon-input aria-invalid:border-red-400', required: true, ...attrs, 'aria-describedby': describedBy }),
    hint ? h('p', { id: `${id}-hint`, class: 'text-xs text-slate-400' }, hint) : null,
    h('p', { id: `${id}-error`, class: 'text-sm text-red-300 empty:hidden', 'data-part': 'field-error' }),
  );
}

export function authPage(root: HTMLElement, ctx: AuthContext): void {
  const signup = ctx.mode === 'signup';
  const error = h('p', { class: 'min-h-5 text-sm text-red-300', role: 'alert', 'data-part': 'error' }, ctx.notice ?? '');
  const info = ctx.info
    ? h('p', { class: 'mb-6 rounded-md border border-slate-600 bg-slate-800 px-3 py-2 text-sm text-slate-100', role: 'status', 'data-part': 'notice', tabindex: -1 }, ctx.info)
    : null;
  const submit = h('button', { type: 'submit', class: 'beacon-btn-primary w-full justify-center' }, signup ? 'Create account' : 'Log in');
  const form = h(
    'form',
    { class: 'grid gap-4', novalidate: true, 'aria-labelledby': 'auth-title' },
    // Logging in, the username may be typed as the app writes it, "@" first: one more character.
    field('auth-username', 'Username', { autocomplete: 'username', maxlength: signup ? MAX_USERNAME : MAX_USERNAME + 1, autocapitalize: 'none', spellcheck: false }, signup ? `${MIN_USERNAME}–${MAX_USERNAME} letters, digits or underscores.` : undefined),
    // No maxlength on the display name: it counts UTF-16 units (40 emoji were cut to 20); signupProblems counts characters.
    signup ? field('auth-display-name', 'Display name (optional)', { autocomplete: 'nickname', required: false }) : null,
    field('auth-password', 'Password', { type: 'password', autocomplete: signup ? 'new-password' : 'current-password', maxlength: MAX_PASSWORD }, signup ? `At least ${MIN_PASSWORD} characters.` : undefined),
    error,
    submit,
  );

  /**
   * Marks each bad field (aria-invalid, its own message), says them all in the form's alert line
   * (for screen readers only) and focuses the first one. The alert is what is heard after Enter in the bad field: focus is
   * already there, so moving it announces nothing.
   */
  const showFieldErrors = (problems: Array<{ field: SignupField; message: string }>): void => {
    for (const name of ['username', 'display-name', 'password'] as const) {
      const input = form.querySelector<HTMLInputElement>(`#auth-${name}`);
      const line = form.querySelector<HTMLElement>(`#auth-${name}-error`);
      const problem = problems.find((p) => p.field === name);
      if (line) line.textContent = problem?.message ?? '';
      if (problem) input?.setAttribute('aria-invalid', 'true');
      else input?.removeAttribute('aria-invalid');
    }
    const summary = errorSummary(problems.map((p) => ({ label: FIELD_NAMES[p.field], message: p.message })));
    // Heard, not shown twice: each error is on screen beside its field.
    announce(error, summary === '' ? '' : srOnly(summary));
    const first = problems[0];
    if (first) form.querySelector<HTMLInputElement>(`#auth-${first.field}`)?.focus();
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const typed = String(data.get('username') ?? '').trim();
    // No username holds an "@": at login it is the one the app writes before every username.
    const username = signup ? typed : typed.replace(/^@/, '');
    const password = String(data.get('password') ?? '');
    const displayName = String(data.get('display-name') ?? '').trim();
    const problems = signup
      ? signupProblems(username, password, displayName)
      : [...(username ? [] : [{ field: 'username' as const, message: 'Enter your username.' }]),
        ...(password ? [] : [{ field: 'password' as const, message: 'Enter your password.' }])];
    showFieldErrors(problems);
    if (problems.length > 0) return;
    submit.disabled = true;
    submit.textContent = signup ? 'Creating account…' : 'Logging in…';
    const request = signup
      ? ctx.api.register(username, password, displayName || undefined)
      : ctx.api.login(username, password, deviceTokenFor(username));
    request.then(
      ({ token, user, device_token }) => {
        rememberDevice(user.username, device_token);
        ctx.onAuthenticated(token, user);
      },
      (err: unknown) => {
        // The password policy (common or blank passwords) explains itself in the server's words.
        if (signup && isCodedError(err) && err.code === 'VALIDATION_ERROR' && /password/i.test(err.message)) {
          showFieldErrors([{ field: 'password', message: err.message }]);
        } else if (signup && isCodedError(err) && err.code === 'VALIDATION_ERROR' && /display_name/.test(err.message)) {
          // A rule this page does not know yet (a newer server): still the display name's fault, not the username's.
          showFieldErrors([{ field: 'display-name', message: displayNameProblem(displayName) ?? 'Beacon cannot use this display name. Try another one.' }]);
        } else if (!signup && isCodedError(err) && err.code === 'RATE_LIMITED' && /failed logins/.test(err.message)) {
          // The account's lockout: the server says for how long, and whether this browser could get in.
          announce(error, `${err.message}.`);
        } else if (signup && isCodedError(err) && err.code === 'CONFLICT') {
          // Free, but read as a taken one (IiIy for lily): "taken" would be false.
          const lookalike = /too like an existing username/.test(err.message);
          showFieldErrors([{ field: 'username', message: lookalike ? LOOKALIKE : 'That username is taken. Try another one.' }]);
        } else announce(error, errorMessage(err, {
          CONFLICT: 'That username is taken. Try another one.',
          VALIDATION_ERROR: signup
            ? `Usernames are ${MIN_USERNAME}–${MAX_USERNAME} letters, digits or underscores; passwords at least ${MIN_PASSWORD} characters.`
            : 'Enter your username and password.',
        }));
        submit.disabled = false;
        submit.textContent = signup ? 'Create account' : 'Log in';
      },
    );
  });

  root.replaceChildren(
    h(
      'main',
      { id: 'main', tabindex: -1, class: 'mx-auto grid min-h-[80vh] max-w-md content-center px-4 py-10' },
      h(
        'div',
        { class: 'mb-8 flex items-center gap-3' },
        h('beacon-status-dot', { status: 'online', class: 'size-8', 'aria-hidden': 'true' }),
        h('div', {}, h('p', { class: 'text-2xl font-bold' }, 'Beacon'), h('p', { class: 'text-sm text-slate-400' }, 'See who is up for a game of Pong.')),
      ),
      h(
        'section',
        { class: 'beacon-panel p-6 sm:p-8' },
        h('h1', { id: 'auth-title', class: 'mb-6 text-xl font-bold', tabindex: -1 }, signup ? 'Create your account' : 'Welcome back'),
        info,
        form,
        h(
          'p',
          { class: 'mt-6 text-center text-sm text-slate-400' },
          signup ? 'Already have an account? ' : 'New to Beacon? ',
          h('a', { href: signup ? '#/login' : '#/signup', class: 'beacon-link' }, signup ? 'Log in' : 'Create an account'),
        ),
        // Beacon keeps no e-mail address: the operator resets a password (docs/operations.md).
        signup ? null : h('p', { class: 'mt-2 text-center text-sm text-slate-400', 'data-part': 'forgot' }, 'Forgot your password? Ask whoever runs this Beacon to reset it for you.'),
      ),
    ),
  );
}
