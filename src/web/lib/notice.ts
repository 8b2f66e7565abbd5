/**
 * A page's notice line: what the user's last action did ("Friend request sent to Bo (@bo)."),
 * in a polite live region there from the start, so each one is announced. A failure reads and
 * looks as one: "Not done: …" in red, in an assertive region (role="alert", also there from the
 * start, as the app's other error lines), never in the confirmations' grey. It does not outstay
 * the moment: a confirmation clears after NOTICE_MS, and any notice when the user moves on (the
 * page calls clear(): typing a new name, another tab; leaving the page takes it away). What a
 * confirmation said stays shown where it applies ("✓ Request sent", the list of sent requests).
 * An error stays until the user moves on or acts again: it asks them to do something.
 * A confirmation that a later fact makes untrue ("Friend request sent", then their crossing
 * request made you friends) is corrected in place, while it is still the one shown.
 */
import { h } from './dom.js';

/** How long a confirmation stays: as long as a toast (notification-toast.ts). */
export const NOTICE_MS = 10_000;

export interface Notice {
  readonly element: HTMLParagraphElement;
  /**
   * Confirms what happened (user text in `parts` already contained), for NOTICE_MS. Answers
   * a function that says something else instead, only while this confirmation is still shown.
   */
  say(...parts: Array<Node | string>): (...instead: Array<Node | string>) => void;
  /** Says what went wrong ("Not done: …", announced at once), until clear() or the next notice; a date in it in a <bdi> (dom.ts bdi). */
  fail(...parts: Array<Node | string>): void;
  clear(): void;
}

export function notice(): Notice {
  const done = h('span', { role: 'status', 'data-part': 'notice-done' });
  const failed = h('span', { role: 'alert', class: 'text-red-200', 'data-part': 'notice-failed' });
  const element = h('p', { class: 'min-h-5 text-sm text-slate-300', 'data-part': 'notice' }, done, failed);
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Moves whenever what is shown changes (another notice, clear, timeout). */
  let shown = 0;
  /** Shows `parts` as a confirmation, or as a failure when `failure`; the other region empties. */
  const show = (parts: Array<Node | string>, lasts: boolean, failure = false): void => {
    clearTimeout(timer);
    shown++;
    done.replaceChildren(...(failure ? [] : parts));
    failed.replaceChildren(...(failure ? parts : []));
    timer = lasts ? undefined : setTimeout(() => show([], true), NOTICE_MS);
  };
  return {
    element,
    say: (...parts) => {
      show(parts, false);
      const mine = shown;
      return (...instead) => {
        if (shown === mine) show(instead, false);
      };
    },
    fail: (...parts) => show([h('span', { class: 'font-semibold' }, 'Not done: '), ...parts], true, true),
    clear: () => show([], true),
  };
}
