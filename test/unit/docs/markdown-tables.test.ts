/**
 * Every Markdown table in the docs and READMEs renders as one: a run of `|` lines starts with
 * a header row and its `|---|` separator, and each row has the header's number of cells. A
 * paragraph dropped between two rows splits a table, and the rows after it render as text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url);
const FILES = [
  'README.md',
  'examples/pong-site/README.md',
  ...['server', 'client', 'elements'].map((name) => `packages/${name}/README.md`),
  ...readdirSync(new URL('docs/', ROOT))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** A row's cells: split on `|` not escaped with a backslash (GFM splits inside code spans too). */
const cells = (row: string): number => row.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).length;
const SEPARATOR = /^\|(\s*:?-+:?\s*\|)+\s*$/;

/** Each table's problems, as `file:line: what`. */
function tableProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n');
  let fenced = false;
  let header: number | null = null; // the current table's cell count
  lines.forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const row = !fenced && line.trimStart().startsWith('|');
    if (!row) {
      header = null;
      return;
    }
    const at = `${file}:${i + 1}`;
    if (header === null) {
      header = cells(line);
      if (!SEPARATOR.test((lines[i + 1] ?? '').trim())) problems.push(`${at}: table rows without a header row and |---| separator`);
      else if (cells(lines[i + 1]!) !== header) problems.push(`${at}: the separator has ${cells(lines[i + 1]!)} cells, the header ${header}`);
      return;
    }
    if (cells(line) !== header) problems.push(`${at}: ${cells(line)} cells, the header has ${header}`);
  });
  return problems;
}

describe('Markdown tables in the docs and READMEs', () => {
  it('find a table split by a paragraph, and a row with a cell too many', () => {
    const split = '| a | b |\n|---|---|\n| 1 | 2 |\n\nA paragraph.\n| 3 | 4 |\n';
    expect(tableProblems('t.md', split)).toEqual(['t.md:6: table rows without a header row and |---| separator']);
    expect(tableProblems('t.md', '| a | b |\n|---|---|\n| 1 | 2 | 3 |\n')).toEqual(['t.md:3: 3 cells, the header has 2']);
    expect(tableProblems('t.md', '```\n| not | a table |\n```\n| a | b |\n|---|---|\n| `x\\|y` | 2 |\n')).toEqual([]);
  });

  it.each(FILES)('%s: each table has its header, and every row its cells', (file) => {
    expect(tableProblems(file, readFileSync(new URL(file, ROOT), 'utf8'))).toEqual([]);
  });
});
