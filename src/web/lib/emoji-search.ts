/** The emoji picker's search (elements/emoji-picker.ts), pure: which emoji a word finds, best first. */

export interface Emoji {
  unicode: string;
  label: string;
  tags?: string[];
  group?: number;
  order?: number;
}

/** How many emoji the grid shows at once; search narrows it down. */
export const MAX_SHOWN = 48;

/**
 * The emoji whose label contains `query` or a tag of which starts with it: first the one named
 * exactly so, then those whose label starts with it, then the rest, each in Unicode's order.
 * Enter takes the first, so "fire" is 🔥, not ❤️‍🔥 "heart on fire" (earlier in that order).
 */
export function searchEmoji(all: readonly Emoji[], query: string, max = MAX_SHOWN): Emoji[] {
  const q = query.trim().toLowerCase();
  if (!q) return all.slice(0, max);
  const rank = (e: Emoji): number => {
    const label = e.label.toLowerCase();
    return label === q ? 0 : label.startsWith(q) ? 1 : label.includes(q) || e.tags?.some((t) => t.startsWith(q)) ? 2 : 3;
  };
  const ranked = all.map((e) => ({ e, r: rank(e) })).filter((x) => x.r < 3);
  // Array.prototype.sort is stable: within a rank, Unicode's order stays.
  return ranked.sort((a, b) => a.r - b.r).slice(0, max).map((x) => x.e);
}
