/**
 * Every `--beacon-*` custom property that the docs and the example site set is one the drop-in
 * elements read: a misspelt one (`--beacon-accent` for `--beacon-color-accent`) does nothing,
 * silently, on a host's page.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

/** The properties the elements' styles read: `var(--beacon-…`. */
const readByElements = new Set(
  ['src/elements/styles.ts', 'src/elements/status-dot.ts'].flatMap((f) => [...read(f).matchAll(/var\((--beacon-[a-z0-9-]+)/g)].map((m) => m[1]!)),
);

/** The properties a file sets: `--beacon-…:` (a declaration, not a mention in prose). */
const setIn = (path: string) => [...read(path).matchAll(/(--beacon-[a-z0-9-]+)\s*:/g)].map((m) => m[1]!);

describe('the --beacon-* custom properties the docs and the example set', () => {
  it.each(['examples/pong-site/public/index.html', 'docs/integration.md', 'packages/elements/README.md', 'e2e/drop-in-elements.e2e.ts'])('exist in the elements: %s', (path) => {
    expect(readByElements.size).toBeGreaterThan(10);
    expect(setIn(path).filter((p) => !readByElements.has(p))).toEqual([]);
  });
});
