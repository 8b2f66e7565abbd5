/**
 * scripts/unit.mjs and scripts/e2e.mjs run two suites side by side. A CI summary may keep
 * only the end of the log, so a failed run's failures are printed again last: the end
 * says which run failed and why, not the other run's passing summary. Runs the real
 * script with two small commands.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs `all` on two `node -e` commands; returns the exit code and the output's lines. */
function sideBySide(slow: string, other: string) {
  const script = `
    const { all } = await import('./scripts/side-by-side.mjs');
    process.exitCode = await all([[['-e', ${JSON.stringify(slow)}], 'slow'], [['-e', ${JSON.stringify(other)}], 'other']]);`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return { code: out.status, lines: out.stdout.trimEnd().split('\n') };
}

const failing = `console.log('setup'); console.log(' FAIL  test/cluster/x.test.ts > kills'); console.log('AssertionError: expected 5000 to be less than 4500'); process.exit(1)`;
const passingLate = `setTimeout(() => { for (let i = 0; i < 300; i++) console.log('ok ' + i); console.log('Tests  300 passed'); }, 300)`;

describe('side-by-side runs', () => {
  it('print a failed run’s failures again after the other run’s output, and exit with its code', () => {
    const { code, lines } = sideBySide(failing, passingLate);
    expect(code).toBe(1);
    const digest = lines.lastIndexOf('== [slow] failed (exit 1); its failures again:');
    expect(digest).toBeGreaterThan(lines.indexOf('[other] Tests  300 passed'));
    expect(lines.slice(digest + 1)).toEqual(['[slow]  FAIL  test/cluster/x.test.ts > kills', '[slow] AssertionError: expected 5000 to be less than 4500']);
  });

  it('print nothing more when both pass', () => {
    const { code, lines } = sideBySide(`console.log('fine')`, passingLate);
    expect(code).toBe(0);
    expect(lines.at(-1)).toBe('[other] Tests  300 passed');
    expect(lines.some((l) => l.includes('failed (exit'))).toBe(false);
  });
});
