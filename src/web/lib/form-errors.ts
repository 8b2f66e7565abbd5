/**
 * Saying a form's errors out loud. Each error sits next to its field (aria-invalid,
 * aria-describedby) and the first bad field takes focus, but focus only speaks when it moves:
 * a form submitted with Enter from the bad field (the usual way) keeps focus where it is, and
 * nothing is heard. So the errors are also written into a live line (role=alert), in words
 * that name the field ("Password: …"); only for screen readers where each error is already
 * shown beside its field.
 */

/** How long a live line stays empty before its new text: long enough for the empty line to reach assistive technology. */
export const ANNOUNCE_DELAY_MS = 100;

/** One field's error, with the field's name as people read it ("Password"). */
export interface FieldError {
  label: string;
  message: string;
}

/** "Username: Usernames are 3 to 20 letters…. Password: This password is…." ('' when nothing is wrong). */
export function errorSummary(errors: ReadonlyArray<FieldError>): string {
  return errors.map(({ label, message }) => `${label}: ${/[.!?…]$/.test(message.trim()) ? message.trim() : `${message.trim()}.`}`).join(' ');
}

/** A live line in the page (a plain object in a test). */
interface Line {
  replaceChildren(...content: Array<Node | string>): void;
}

const pending = new WeakMap<Line, ReturnType<typeof setTimeout>>();

/**
 * Writes `content` into the live `line` so that it is announced, even when it says what the
 * line said before (the same error on a second Enter): the line is emptied now and gets its
 * content a moment later, as two changes, where both in one task would be no change at all.
 * A later write replaces one still waiting; '' only empties the line.
 */
export function announce(line: Line, content: Node | string): void {
  clearTimeout(pending.get(line));
  pending.delete(line);
  line.replaceChildren();
  if (content === '') return;
  pending.set(
    line,
    setTimeout(() => {
      pending.delete(line);
      line.replaceChildren(content);
    }, ANNOUNCE_DELAY_MS),
  );
}
