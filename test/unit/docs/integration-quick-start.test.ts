/**
 * docs/integration.md's quick start is the code the example site runs, line for line, and
 * stays within the budget: at most 15 lines of host server code (besides the type
 * declarations that make the block compile as copied), 10 of page code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { docBlock } from '../../helpers/doc-blocks.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

/** The lines between the quick-start markers of an example file, without their common indent. */
function exampleRegion(path: string, begin: RegExp, end: RegExp): string {
  const lines = read(path).split('\n');
  const from = lines.findIndex((l) => begin.test(l));
  const to = lines.findIndex((l, i) => i > from && end.test(l));
  if (from < 0 || to < 0) throw new Error(`no quick-start markers in ${path}`);
  const region = lines.slice(from + 1, to);
  const indent = Math.min(...region.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return region.map((l) => l.slice(indent)).join('\n');
}

const codeLines = (block: string) => block.split('\n').filter((l) => l.trim() !== '').length;
/**
 * The host's code, without what declares the site's own pieces (type imports, interfaces:
 * a site has those already) nor comments: the block declares them so that it compiles as
 * copied (test/packages/packages.test.ts type-checks it).
 */
const hostCode = (block: string) =>
  block
    .split('\n')
    .filter((l) => !/^(import type |(export )?interface |\s*\/\/)/.test(l))
    .join('\n');

describe('the quick start in docs/integration.md', () => {
  it('shows exactly the server code the example site runs, in at most 15 lines besides the type declarations', () => {
    const example = exampleRegion('examples/pong-site/src/beacon-embedded.ts', /\/\/ quick-start:begin/, /\/\/ quick-start:end/);
    expect(docBlock('server')).toBe(example);
    expect(codeLines(hostCode(example))).toBeLessThanOrEqual(15);
  });

  it("has the identity adapter give each token's issue time, which signOut needs to refuse tokens issued before it", () => {
    expect(docBlock('server')).toMatch(/interface SiteTokens \{ verify\(token: string\): Promise<\{[^}]*\bissuedAt: number;/);
    expect(docBlock('server')).toContain('authenticate: (token) => tokens.verify(token)');
  });

  it('shows exactly the page code the example site serves, in at most 10 lines', () => {
    const example = exampleRegion('examples/pong-site/public/index.html', /<!-- quick-start:begin -->/, /<!-- quick-start:end -->/);
    expect(docBlock('page')).toBe(example);
    expect(codeLines(example)).toBeLessThanOrEqual(10);
  });
});
