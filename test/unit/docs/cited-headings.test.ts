/**
 * Every section of the docs that the sources cite as `docs/X.md, "Heading"` (or `X.md "Heading"`)
 * exists: a refusal printed to an operator that sends them to a heading nobody wrote ("Rolling
 * back" for "Upgrading and rolling back") leaves them searching. A cited heading matches a
 * heading of the file with that text, or with that text and a parenthesis after it ("Service
 * API" → "Service API (sidecar mode)"), or a paragraph led by it (`Health: …`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url);

function sources(dir: string): string[] {
  return readdirSync(new URL(dir, ROOT)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(new URL(path, ROOT)).isDirectory()) return sources(path);
    return /\.(ts|mts|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** `docs/operations.md, "Rolling back"`, `protocol.md "Service API"`, with straight or curly quotes. */
const CITATION = /(?:docs\/)?([a-z][a-z0-9-]*\.md),? ["“]([^"”\n]{1,80})["”]/g;

function sections(doc: string): string[] {
  const text = readFileSync(new URL(`docs/${doc}`, ROOT), 'utf8');
  const headings = [...text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((m) => m[1]!.replace(/^§?\d+(\.\d+)*\.?\s+/, ''));
  const leads = [...text.matchAll(/^(?:\*\*)?([A-Z][^:\n*]{0,60})(?:\*\*)?:/gm)].map((m) => m[1]!);
  return [...headings, ...leads];
}

describe('headings the sources cite', () => {
  it('exist in the doc they name', () => {
    const missing: string[] = [];
    let cited = 0;
    for (const file of sources('src')) {
      const text = readFileSync(new URL(file, ROOT), 'utf8');
      for (const [, doc, heading] of text.matchAll(CITATION)) {
        cited++;
        let known: string[];
        try {
          known = sections(doc!);
        } catch {
          missing.push(`${file}: docs/${doc} does not exist`);
          continue;
        }
        if (!known.some((h) => h === heading || h.startsWith(`${heading} (`))) missing.push(`${file}: docs/${doc} has no heading "${heading}"`);
      }
    }
    // The scan finds the citations at all (a changed form would pass without checking anything).
    expect(cited).toBeGreaterThanOrEqual(4);
    expect(missing).toEqual([]);
  });
});
