/**
 * What a game update does to the details, said the same way where a game server's author reads
 * it: docs/integration.md "Games" once said an update replaces the details, while the engine
 * merges them (presence-rules.ts mergeDetails) and protocol.md §5 says merged. Both say how a
 * key is removed (test/integration/presence-truth.test.ts runs it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

/** The text of the `## <title>` section of a Markdown file, up to the next `## ` heading. */
function section(path: string, title: RegExp): string {
  const parts = read(path).split(/^## /m);
  const found = parts.find((p) => title.test(p.split('\n')[0]!));
  if (!found) throw new Error(`no section ${title} in ${path}`);
  return found.replace(/\s+/g, ' ');
}

describe('game updates in the docs', () => {
  const docs = [
    ['docs/integration.md', section('docs/integration.md', /^Games$/)],
    ['docs/protocol.md', section('docs/protocol.md', /^5\./)],
  ] as const;

  it.each(docs)('%s says an update merges its details into those reported before, never that it replaces them', (_, text) => {
    expect(text).not.toMatch(/update replaces the details/);
    expect(text).toMatch(/`details` (are|is) merged into/);
  });

  it.each(docs)('%s says how a game server removes a key: null does not, a repeated start with the details does', (_, text) => {
    expect(text).toMatch(/`null` (value )?(does not remove|removes nothing|keeps)/);
    expect(text).toMatch(/repeated `(match)?_started`[^.]*replace/);
  });
});
