/**
 * The Account page's "Change password": the current password, the new one and the new one
 * again. Each field says what is wrong with it beside it (aria-invalid, its own error line
 * named by aria-describedby), the form's alert line says them all for screen readers (the
 * first bad field takes focus, which says nothing when it is already there), and success says
 * that the other devices were signed out (PUT /users/me/password ends every other login).
 */
import type { ApiClient } from '../../client/api.js';
import { h, srOnly } from '../lib/dom.js';
import { errorMessage, isCodedError, newPasswordProblem } from '../lib/error-messages.js';
import { MAX_PASSWORD, MAX_PASSWORD_ENTERED, MIN_PASSWORD } from '../../protocol/text.js';
import { whileBusy } from '../lib/busy-button.js';
import { announce, errorSummary } from '../lib/form-errors.js';
import { rememberDevice } from '../lib/session.js';

type Field = 'current' | 'new' | 'confirm';

const LABELS: Record<Field, string> = { current: 'Current password', new: 'New password', confirm: 'Confirm new password' };

export interface PasswordFormOptions {
  api: Pick<ApiClient, 'changePassword'>;
  /** The account's username, for the browser's password manager (a hidden field). */
  username: string;
  /** The password changed; `signedOut` other devices were signed out. */
  onChanged(signedOut: number): void;
  /** The page was left: an answer arriving later changes nothing. */
  disposed(): boolean;
}

/** Words for the other devices a change signed out. */
export function signedOutWords(n: number): string {
  if (n === 0) return 'No other device was signed in.';
  return n === 1 ? '1 other device was signed out.' : `${n} other devices were signed out.`;
}

export function passwordForm(o: PasswordFormOptions): HTMLFormElement {
  const inputs = {} as Record<Field, HTMLInputElement>;
  const errors = {} as Record<Field, HTMLElement>;
  const field = (name: Field, autocomplete: string, maxlength: number, hint?: string): HTMLElement => {
    const id = `${name}-password`;
    const describedBy = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
    inputs[name] = h('input', {
      id, name: id, type: 'password', autocomplete, maxlength, required: true,
      class: 'beacon-input w-full aria-invalid:border-red-400', 'aria-describedby': describedBy,
    });
    errors[name] = h('p', { id: `${id}-error`, class: 'text-sm text-red-200 empty:hidden', 'data-part': 'field-error' });
    return h('div', { class: 'grid gap-1.5' },
      h('label', { for: id, class: 'text-sm font-medium text-slate-100' }, LABELS[name]),
      inputs[name],
      hint ? h('p', { id: `${id}-hint`, class: 'text-xs text-slate-400' }, hint) : null,
      errors[name]);
  };

  // Heard, not shown twice: each error is on screen beside its field.
  const alert = h('p', { class: 'text-sm', role: 'alert', 'data-part': 'password-alert' });
  const status = h('p', { class: 'min-h-5 text-sm', role: 'status', 'data-part': 'password-status' });
  const submit = h('button', { type: 'submit', class: 'beacon-btn-primary', 'data-action': 'change-password' }, 'Change password');
  const form = h('form', { class: 'grid max-w-md gap-3', novalidate: true, 'aria-labelledby': 'password-title' },
    // For password managers: which account the new password is for.
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: o.username, hidden: true, readonly: true, tabindex: -1 }),
    field('current', 'current-password', MAX_PASSWORD_ENTERED),
    field('new', 'new-password', MAX_PASSWORD, `At least ${MIN_PASSWORD} characters; not your username, nor one of the most common passwords.`),
    field('confirm', 'new-password', MAX_PASSWORD),
    alert,
    h('div', {}, submit),
    status);

  /** Marks each field with its problem (or none), says them all, and focuses the first bad one. */
  const showProblems = (problems: Partial<Record<Field, string>>): void => {
    const bad = (['current', 'new', 'confirm'] as const).filter((f) => problems[f] !== undefined);
    for (const f of ['current', 'new', 'confirm'] as const) {
      errors[f].textContent = problems[f] ?? '';
      if (problems[f] !== undefined) inputs[f].setAttribute('aria-invalid', 'true');
      else inputs[f].removeAttribute('aria-invalid');
    }
    const summary = errorSummary(bad.map((f) => ({ label: LABELS[f], message: problems[f]! })));
    announce(alert, summary === '' ? '' : srOnly(summary));
    const first = bad[0];
    if (first) {
      inputs[first].focus();
      inputs[first].select();
    }
  };

  const say = (text: string, state: 'busy' | 'done' | 'error'): void => {
    status.textContent = text;
    status.dataset.state = state;
  };
  const unsay = (): void => {
    status.textContent = '';
    status.removeAttribute('data-state');
  };

  async function change(): Promise<void> {
    const current = inputs.current.value;
    const next = inputs.new.value;
    const again = inputs.confirm.value;
    const problems: Partial<Record<Field, string>> = {};
    if (current === '') problems.current = 'Enter your current password.';
    const length = newPasswordProblem(next);
    if (length) problems.new = length;
    else if (next === current) problems.new = 'The new password must differ from the current one.';
    if (again === '') problems.confirm = 'Enter the new password again.';
    else if (again !== next) problems.confirm = 'The two new passwords do not match.';
    showProblems(problems);
    if (Object.keys(problems).length > 0) return unsay();
    say('Changing your password…', 'busy');
    try {
      const { signed_out, device_token } = await o.api.changePassword(current, next);
      // The token this browser kept was made for the old password: it names no known device any more.
      rememberDevice(o.username, device_token);
      if (o.disposed()) return;
      for (const f of ['current', 'new', 'confirm'] as const) inputs[f].value = '';
      say(`Password changed. You stay signed in here; ${signedOutWords(signed_out).replace(/^./, (c) => c.toLowerCase())}`, 'done');
      o.onChanged(signed_out);
    } catch (e) {
      if (o.disposed()) return;
      const code = isCodedError(e) ? e.code : '';
      const message = isCodedError(e) ? e.message : '';
      if (code === 'INVALID_CREDENTIALS') {
        unsay();
        showProblems({ current: 'Wrong password.' });
      } else if (code === 'VALIDATION_ERROR' && /password/i.test(message)) {
        // The password rules (common, blank, the username, the same again) explain themselves in the server's words.
        unsay();
        showProblems({ new: /[.!?]$/.test(message) ? message : `${message}.` });
      } else if (code === 'RATE_LIMITED' && /wrong passwords/.test(message)) {
        // This login's budget of wrong current passwords: the server says for how long.
        showProblems({});
        say(`${message}.`, 'error');
      } else {
        showProblems({});
        say(`Could not change your password. ${errorMessage(e)}`, 'error');
      }
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // Busy, not disabled: a disabled button would drop keyboard focus to the page (lib/busy-button.ts).
    void whileBusy(submit, change);
  });
  return form;
}
