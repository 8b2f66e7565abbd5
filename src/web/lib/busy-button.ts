/**
 * A button busy with its request: marked `aria-disabled` (styled like disabled) and deaf to
 * clicks meanwhile, but never `disabled`. A disabled button drops keyboard focus to the page
 * body, so the Escape and Tab of the menu or dialog around it stop working exactly when the
 * request fails and the user wants to read the error and try again.
 */
export async function whileBusy(button: HTMLButtonElement, work: () => Promise<void>): Promise<void> {
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  try {
    await work();
  } finally {
    button.removeAttribute('aria-disabled');
  }
}
