/**
 * "Your browser is in America/New_York; Beacon uses UTC. [Use America/New_York]": the browser's
 * zone offered where it is not the one Beacon uses, saved only when the user asks (the schedule
 * editor and the calendar panel show it). It follows the page's zone: gone once they agree.
 */
import { whileBusy } from '../lib/busy-button.js';
import { errorMessage } from '../lib/error-messages.js';
import { h } from '../lib/dom.js';
import type { ScheduleZone } from '../lib/schedule-zone.js';

export function zoneOffer(zone: ScheduleZone): HTMLElement {
  const text = h('p', { class: 'text-sm text-amber-100' });
  const use = h('button', { type: 'button', class: 'beacon-btn justify-self-start' });
  const offer = h('div', { class: 'grid gap-2' }, text, use);
  // Focus goes here once the button it was on is gone.
  const status = h('p', { class: 'text-sm text-slate-300', role: 'status', tabindex: -1 });
  const root = h('div', { class: 'grid gap-1', 'data-part': 'zone-offer' }, offer, status);
  const render = (): void => {
    const browser = zone.offer;
    offer.hidden = browser === null;
    if (browser === null) return;
    text.textContent = `Your browser is in ${browser}; Beacon uses ${zone.saved}.`;
    use.textContent = `Use ${browser}`;
  };
  const busy = (): boolean => use.getAttribute('aria-disabled') === 'true';
  use.addEventListener('click', () => {
    const browser = zone.offer;
    if (browser === null) return;
    // Busy, not disabled: focus stays on the button while it saves (lib/busy-button.ts).
    void whileBusy(use, async () => {
      status.textContent = 'Saving…';
      try {
        await zone.use(browser);
        status.textContent = `Saved: Beacon uses ${browser} now.`;
        const focus = document.activeElement;
        if (offer.hidden && (focus === use || focus === null || focus === document.body)) status.focus();
      } catch (e) {
        status.textContent = `Not saved: ${errorMessage(e)}`;
      }
    });
  });
  zone.onChange(() => {
    // Said by the offer whose button saved it; any other line would only be out of date.
    if (!busy()) status.textContent = '';
    render();
  });
  render();
  return root;
}
