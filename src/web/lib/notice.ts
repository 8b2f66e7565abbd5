/**
 * A page's notice line: what the user's last action did ("Friend request sent to Bo (@bo)."),
 * in a polite live region there from the start, so each one is announced. It does not outstay
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
  /** Says what went wrong, until clear() or the next notice. */
  fail(text: string): void;
  clear(): void;
}

export function notice(): Notice {
  const element = h('p', { class: 'min-h-5 text-sm text-slate-300', role: 'status', 'data-part': 'notice' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Moves whenever what is shown changes (another notice, clear, timeout). */
  let shown = 0;
  const show = (parts: Array<Node | string>, lasts: boolean): void => {
    clearTimeout(timer);
    shown++;
    element.replaceChildren(...parts);
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
    fail: (text) => show([text], true),
    clear: () => show([], true),
  };
}
