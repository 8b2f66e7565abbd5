/**
 * docs/integration.md's quick start is the code the example site runs, line for line, and
 * stays within the budget: at most 15 lines of host server code (besides the type
 * declarations that make the block compile as copied), 10 of page code, which finds everything
 * it looks up within itself (pasted into any page, it must not throw).
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

/** The elements an HTML block holds: tag name and attributes, as written. */
function elementsOf(html: string): Array<{ tag: string; attrs: Map<string, string> }> {
  return [...html.matchAll(/<([a-z][\w-]*)((?:\s+[\w-]+(?:="[^"]*")?)*)\s*\/?>/gi)].map((m) => ({
    tag: m[1]!.toLowerCase(),
    attrs: new Map([...m[2]!.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map((a) => [a[1]!.toLowerCase(), a[2] ?? ''])),
  }));
}

/**
 * Whether an element of `html` matches `selector`: one compound selector of a tag, `#id`,
 * `.class` and `[attr]` / `[attr="value"]` parts. Anything else throws, so a snippet that
 * queries something fancier makes this test say it cannot check it rather than pass.
 */
function holds(html: string, selector: string): boolean {
  const parts = /^([a-z][\w-]*)?((?:#[\w-]+|\.[\w-]+|\[[\w-]+(?:="[^"]*")?\])*)$/i.exec(selector);
  if (!parts) throw new Error(`the test cannot check the selector ${selector}: extend holds()`);
  const checks = [...parts[2]!.matchAll(/#([\w-]+)|\.([\w-]+)|\[([\w-]+)(?:="([^"]*)")?\]/g)];
  return elementsOf(html).some(
    (el) =>
      (!parts[1] || el.tag === parts[1].toLowerCase()) &&
      checks.every(([, id, cls, attr, value]) =>
        id !== undefined ? el.attrs.get('id') === id : cls !== undefined ? (el.attrs.get('class') ?? '').split(/\s+/).includes(cls) : el.attrs.has(attr!.toLowerCase()) && (value === undefined || el.attrs.get(attr!.toLowerCase()) === value),
      ),
  );
}

/** The selectors a block's scripts look up in the page: querySelector(All), getElementById, closest. */
const queriedSelectors = (block: string) =>
  [...block.matchAll(/\b(querySelector(?:All)?|closest|getElementById)\(\s*(['"`])(.*?)\2\s*\)/g)].map((m) => (m[1] === 'getElementById' ? `#${m[3]}` : m[3]!));

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

  it('has the page code find every element it looks up in the block itself, so that it works pasted into any page', () => {
    const page = docBlock('page');
    for (const selector of queriedSelectors(page)) expect(holds(page, selector), `the page block looks up ${selector} but does not hold it`).toBe(true);
  });

  it('checks what a page block looks up (a block relying on an element of the rest of the page fails)', () => {
    const relying = `<beacon-friend-list></beacon-friend-list>\n<script type="module">\n  const base = document.querySelector('meta[name="beacon-url"]').content;\n</script>`;
    expect(queriedSelectors(relying)).toEqual(['meta[name="beacon-url"]']);
    expect(holds(relying, 'meta[name="beacon-url"]')).toBe(false);
    expect(holds(`<meta name="beacon-url" content="/beacon">${relying}`, 'meta[name="beacon-url"]')).toBe(true);
    expect(holds(relying, 'beacon-friend-list')).toBe(true);
    expect(() => holds(relying, 'main > beacon-friend-list')).toThrow(/cannot check/);
  });

  it('shows exactly the page code the example site serves, in at most 10 lines', () => {
    const example = exampleRegion('examples/pong-site/public/index.html', /<!-- quick-start:begin -->/, /<!-- quick-start:end -->/);
    // The example's server writes Beacon's URL for the mode it runs in; embedded, the block's '/beacon'.
    expect(example).toContain("const base = '{{BEACON_URL}}';");
    expect(docBlock('page')).toBe(example.replace("'{{BEACON_URL}}'", "'/beacon'"));
    expect(codeLines(example)).toBeLessThanOrEqual(10);
  });
});
