/**
 * Account settings: your display name (friends see a new one at once), your password (a
 * change signs out your other devices), the devices signed in to your account (sign any out),
 * download everything Beacon stores about you, or delete your account (password entered
 * again). Deleting signs you out everywhere; friends see you leave.
 */
import type { Page } from './page.js';
import { devicesPanel } from './devices-panel.js';
import { passwordForm } from './password-form.js';
import { displayNameProblem, errorMessage, isCodedError } from '../lib/error-messages.js';
import { h } from '../lib/dom.js';
import { announce } from '../lib/form-errors.js';
import { MAX_DISPLAY_NAME, MAX_PASSWORD_ENTERED } from '../../protocol/text.js';

export const accountPage: Page = (root, ctx) => {
  const { api } = ctx;
  let disposed = false;

  // The name friends see now: `ctx.user` is from sign-in, while the SDK's own view follows a
  // rename made in another tab or device (saving the stale one would undo it).
  const currentName = ctx.client.self?.display_name ?? ctx.user.display_name;
  const nameInput = h('input', {
    // No maxlength: it counts UTF-16 units (a name of 40 emoji was cut to 20); the check on saving counts characters.
    id: 'display-name', name: 'display_name', type: 'text', autocomplete: 'nickname', required: true,
    class: 'beacon-input w-full aria-invalid:border-red-400', 'aria-describedby': 'display-name-hint', value: currentName,
  });
  const nameStatus = h('p', { id: 'display-name-status', class: 'min-h-5 text-sm', role: 'status', 'data-part': 'name-status' });
  // The name's own error line, live: after Enter in the field focus stays there, and a focus
  // that does not move says nothing (lib/form-errors.ts).
  const nameError = h('p', { id: 'display-name-error', class: 'text-sm text-red-200', role: 'alert', 'data-part': 'name-error' });
  const nameButton = h('button', { type: 'submit', class: 'beacon-btn-primary', 'data-action': 'rename' }, 'Save name');
  const nameForm = oneFieldForm({
    titleId: 'name-title', label: 'Display name', input: nameInput, error: nameError, button: nameButton, status: nameStatus, onSubmit: rename,
    hint: `What your friends see next to your status (1–${MAX_DISPLAY_NAME} characters). Your username, @${ctx.user.username}, stays as it is.`,
    // An empty name is this form's own error ("Enter a name."), said like any other: the
    // browser's check would show a bubble that is not tied to the field nor said again at the next Enter.
    ownChecks: true,
  });

  // The error line says what is wrong with the name, so the field points at it too.
  nameInput.setAttribute('aria-describedby', 'display-name-hint display-name-error');

  /**
   * The name is refused (`problem`): shown under the field and said (each time, the same error
   * on a second Enter too), the field marked invalid and focused, as at sign-up.
   */
  const nameRefused = (problem: string): void => {
    nameStatus.textContent = '';
    nameStatus.removeAttribute('data-state');
    announce(nameError, problem);
    nameInput.setAttribute('aria-invalid', 'true');
    nameInput.focus();
  };

  async function rename(): Promise<void> {
    const wanted = nameInput.value.trim();
    // The server's own rule (protocol/text.ts), so a pasted tab or bidi control is named before sending.
    const problem = wanted === '' ? 'Enter a name.' : displayNameProblem(wanted);
    if (problem) return nameRefused(problem);
    announce(nameError, '');
    nameInput.removeAttribute('aria-invalid');
    nameButton.disabled = true;
    nameStatus.removeAttribute('data-state');
    nameStatus.textContent = 'Saving…';
    try {
      const user = await api.setDisplayName(wanted);
      if (disposed) return;
      ctx.user.display_name = user.display_name;
      nameInput.value = user.display_name;
      nameStatus.textContent = `Saved. Your friends now see you as ${user.display_name}.`;
      nameStatus.dataset.state = 'done';
    } catch (e) {
      if (disposed) return;
      // A rule this page does not know yet (a newer server): still the name's fault, said at the name.
      if (isCodedError(e) && e.code === 'VALIDATION_ERROR') nameRefused('Beacon cannot use this name. Try another one.');
      else {
        nameStatus.textContent = `Could not save your name. ${errorMessage(e)}`;
        nameStatus.dataset.state = 'error';
      }
    } finally {
      nameButton.disabled = false;
    }
  }

  const exportStatus = h('p', { class: 'min-h-5 text-sm text-slate-300', role: 'status', 'data-part': 'export-status' });
  const exportButton = h('button', { type: 'button', class: 'beacon-btn-primary', 'data-action': 'export' }, 'Download my data');
  exportButton.addEventListener('click', () => void download());

  async function download(): Promise<void> {
    exportButton.disabled = true;
    exportStatus.removeAttribute('data-state');
    exportStatus.textContent = 'Preparing your data…';
    try {
      const data = await api.exportData();
      if (disposed) return;
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const link = h('a', { href: url, download: 'beacon-export.json', hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      exportStatus.textContent = 'Downloaded beacon-export.json.';
      exportStatus.dataset.state = 'done';
    } catch (e) {
      exportStatus.textContent = `Could not export your data. ${errorMessage(e)}`;
      exportStatus.dataset.state = 'error';
    } finally {
      exportButton.disabled = false;
    }
  }

  const password = h('input', {
    id: 'delete-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: MAX_PASSWORD_ENTERED,
    class: 'beacon-input w-full aria-invalid:border-red-400', 'aria-describedby': 'delete-hint',
  });
  const deleteStatus = h('p', { class: 'min-h-5 text-sm', role: 'status', 'data-part': 'delete-status' });
  // The password's own error line, live, as the name's: after Enter in the field focus stays
  // there, and a focus that does not move says nothing (lib/form-errors.ts).
  const deleteError = h('p', { id: 'delete-password-error', class: 'text-sm text-red-200', role: 'alert', 'data-part': 'delete-error' });
  const deleteButton = h('button', { type: 'submit', class: 'beacon-btn-danger', 'data-action': 'delete' }, 'Delete my account');
  const form = oneFieldForm({
    titleId: 'delete-title', label: 'Your password', input: password, error: deleteError, button: deleteButton, status: deleteStatus, onSubmit: remove,
    hint: 'This removes your account, friends, requests, settings and sessions at once. It cannot be undone.',
    // An empty password is this form's own error, said like a wrong one, as at login: the
    // browser's check would show a bubble no live line says again at the next Enter.
    ownChecks: true,
  });
  password.setAttribute('aria-describedby', 'delete-hint delete-password-error');

  /**
   * The password is refused (empty, or wrong as the server says): shown under the field and
   * said (each time, the same error on a second Enter too), the field marked invalid, focused
   * and selected so the next try replaces it.
   */
  const passwordRefused = (problem: string): void => {
    deleteStatus.textContent = '';
    announce(deleteError, problem);
    password.setAttribute('aria-invalid', 'true');
    password.focus();
    password.select();
  };

  async function remove(): Promise<void> {
    if (password.value === '') return passwordRefused('Enter your password to confirm.');
    announce(deleteError, '');
    password.removeAttribute('aria-invalid');
    deleteButton.disabled = true;
    deleteStatus.textContent = 'Deleting your account…';
    try {
      // On success the app signs out at once (this page is gone): the login page says the
      // account was deleted. No reload: the login form is shown once.
      await ctx.deleteAccount(password.value);
    } catch (e) {
      if (disposed) return;
      deleteButton.disabled = false;
      if (isCodedError(e) && e.code === 'INVALID_CREDENTIALS') passwordRefused('Wrong password.');
      else {
        // Not the password's fault (the network, the server): said in the status line, the password kept.
        deleteStatus.textContent = `Could not delete your account. ${errorMessage(e)}`;
        password.select();
      }
    }
  }

  // Password and devices: the SDK's ApiClient calls (changePassword, listSessions, endSession, endOtherSessions).
  const isDisposed = () => disposed;
  const devices = devicesPanel(api, isDisposed);
  const passwordSection = h('section', { class: 'beacon-card grid gap-3 p-5', 'aria-labelledby': 'password-title' },
    h('h2', { id: 'password-title', class: 'text-lg font-semibold text-white' }, 'Change password'),
    h('p', { class: 'text-sm text-slate-300' }, 'Changing your password signs out every other device; this one stays signed in.'),
    passwordForm({ api, username: ctx.user.username, disposed: isDisposed, onChanged: () => void devices.reload() }));
  void devices.reload();

  root.replaceChildren(
    h('h1', { class: 'mb-5 text-2xl font-bold text-white' }, 'Account'),
    h('div', { class: 'grid gap-6' },
      h('section', { class: 'beacon-card grid gap-3 p-5', 'aria-labelledby': 'name-title' },
        h('h2', { id: 'name-title', class: 'text-lg font-semibold text-white' }, 'Your name'),
        nameForm),
      passwordSection,
      devices.element,
      h('section', { class: 'beacon-card grid gap-3 p-5', 'aria-labelledby': 'export-title' },
        h('h2', { id: 'export-title', class: 'text-lg font-semibold text-white' }, 'Your data'),
        h('p', { class: 'text-sm text-slate-300' }, 'Download everything Beacon stores about you: account, settings, friends, requests, blocked users and sessions, as JSON.'),
        h('div', {}, exportButton),
        exportStatus),
      h('section', { class: 'beacon-card grid gap-3 p-5', 'aria-labelledby': 'delete-title' },
        h('h2', { id: 'delete-title', class: 'text-lg font-semibold text-white' }, 'Delete account'),
        form)),
  );
  return () => {
    disposed = true;
  };
};

/**
 * A form of one labelled field, its hint (the input's `aria-describedby` names it), the field's
 * own error line if it has one, a submit button and a status line, titled by the section
 * heading `titleId`. `ownChecks`: the form checks the field itself (novalidate), not the browser.
 */
function oneFieldForm(o: {
  titleId: string; label: string; input: HTMLInputElement; hint: string; error?: HTMLElement; button: HTMLButtonElement; status: HTMLElement;
  ownChecks?: boolean; onSubmit: () => Promise<void>;
}): HTMLFormElement {
  const form = h('form', { class: 'grid max-w-md gap-2', 'aria-labelledby': o.titleId, novalidate: o.ownChecks === true },
    h('label', { for: o.input.id, class: 'text-sm font-medium text-slate-100' }, o.label),
    o.input,
    // One grid row, so an empty error line adds no gap.
    h('div', {},
      h('p', { id: o.input.getAttribute('aria-describedby') ?? '', class: 'text-xs text-slate-400' }, o.hint),
      o.error),
    h('div', {}, o.button),
    o.status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void o.onSubmit();
  });
  return form;
}
