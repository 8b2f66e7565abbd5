/**
 * docs/integration.md's quick start is the code the example site runs, line for line, and
 * stays within the budget: at most 15 lines of host server code, 10 of page code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

/** The fenced block right after `<!-- quick-start:<name> -->` in the doc. */
function docBlock(name: string): string {
  const m = new RegExp(`<!-- quick-start:${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(read('docs/integration.md'));
  if (!m) throw new Error(`no quick-start:${name} block in docs/integration.md`);
  return m[1]!;
}

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

describe('the quick start in docs/integration.md', () => {
  it('shows exactly the server code the example site runs, in at most 15 lines', () => {
    const example = exampleRegion('examples/pong-site/src/beacon-embedded.ts', /\/\/ quick-start:begin/, /\/\/ quick-start:end/);
    expect(docBlock('server')).toBe(example);
    expect(codeLines(example)).toBeLessThanOrEqual(15);
  });

  it('shows exactly the page code the example site serves, in at most 10 lines', () => {
    const example = exampleRegion('examples/pong-site/public/index.html', /<!-- quick-start:begin -->/, /<!-- quick-start:end -->/);
    expect(docBlock('page')).toBe(example);
    expect(codeLines(example)).toBeLessThanOrEqual(10);
  });
});
