/**
 * The Friends page's filter: which friends a typed text finds, by display name or @username,
 * ignoring case, accents and other marks ("zoe" finds Zoé, "ZOË" and "ｚｏｅ" too), anywhere in the
 * name ("ova" finds Kovacs). An empty text (or only spaces) finds everyone. A leading "@" asks
 * for usernames only, as they are written elsewhere in the app ("@bo").
 */
import type { View } from './label-types.js';

/** `text` as compared: compatibility-decomposed, marks removed, lower-cased, spaces collapsed. */
export function foldForFilter(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** Folded names, kept per view (the SDK keeps a friend's view object until it changes). */
const folded = new WeakMap<View, { name: string; username: string }>();

function namesOf(view: View): { name: string; username: string } {
  let names = folded.get(view);
  if (!names) {
    names = { name: foldForFilter(view.display_name), username: foldForFilter(view.username) };
    folded.set(view, names);
  }
  return names;
}

/** A test for `query`: true for the friends it finds. */
export function friendFilter(query: string): (view: View) => boolean {
  const q = foldForFilter(query);
  if (q === '' || q === '@') return () => true;
  if (q.startsWith('@')) {
    const u = q.slice(1);
    return (view) => namesOf(view).username.includes(u);
  }
  return (view) => {
    const { name, username } = namesOf(view);
    return name.includes(q) || username.includes(q);
  };
}

/** What a screen reader hears once the filter settles: how many friends it shows. */
export function filterSummary(query: string, shown: number): string {
  if (foldForFilter(query) === '') return `Filter cleared: ${shown} ${shown === 1 ? 'friend' : 'friends'} shown`;
  if (shown === 0) return 'No friends match';
  return `${shown} ${shown === 1 ? 'friend matches' : 'friends match'}`;
}
