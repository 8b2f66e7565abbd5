/**
 * How many values one statement may bind. SQLite takes at most 32,766 bound parameters (since
 * 3.32) and PostgreSQL 65,535; a multi-row write or an `IN` list stays under the lower one, with
 * room for the few parameters a statement adds besides its list.
 */
export const MAX_PARAMS = 32_000;

/** `items` in consecutive slices of at most `size` (none for an empty list). */
export function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
