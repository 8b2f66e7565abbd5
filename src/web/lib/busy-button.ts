/**
 * A button busy with its request: marked `aria-disabled` (styled like disabled) and deaf to
 * clicks meanwhile, but never `disabled`. A disabled button drops keyboard focus to the page
 * body, so the Escape and Tab of the menu or dialog around it stop working exactly when the
 * request fails and the user wants to read the error and try again.
 */
export async function whileBusy(button: HTMLButtonElement, work: () => Promise<void>): Promise<void> {
  if (isBusy(button)) return;
  markBusy(button, true);
  try {
    await work();
  } finally {
    markBusy(button, false);
  }
}

/** Marks `button` busy (or not) as whileBusy does: for a page whose buttons are rebuilt while their request runs. */
export function markBusy(button: HTMLElement, busy: boolean): void {
  if (busy) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
}

export function isBusy(button: HTMLElement): boolean {
  return button.getAttribute('aria-disabled') === 'true';
}
