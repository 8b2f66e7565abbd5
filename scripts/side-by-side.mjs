/**
 * Runs a command (node with `args`) with its output line-prefixed by `label`, so that two
 * runs side by side stay readable when interleaved. Resolves to its exit code. Used by
 * scripts/unit.mjs and scripts/e2e.mjs, which split a suite into a slow, mostly waiting part
 * and the rest, run at once (`all`).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));

/** How many lines of a failed run are printed again at the end. */
const DIGEST_LINES = 150;

/** Starts the command; resolves to `{ label, code, lines }` (every output line, for the digest). */
export function start(args, label) {
  return new Promise((resolve) => {
    const lines = [];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const prefix = (stream, out) => {
      let rest = '';
      const write = (line) => {
        lines.push(line);
        out.write(`[${label}] ${line}\n`);
      };
      stream.on('data', (chunk) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) write(line);
      });
      stream.on('end', () => rest && write(rest));
    };
    prefix(child.stdout, process.stdout);
    prefix(child.stderr, process.stderr);
    child.on('close', (code, signal) => resolve({ label, code: code ?? (signal ? 1 : 0), lines }));
  });
}

/** Runs one command; resolves to its exit code. */
export async function run(args, label) {
  const done = await start(args, label);
  if (done.code !== 0) printDigest(done);
  return done.code;
}

/**
 * Runs commands side by side and resolves to the first non-zero exit code (0 when all
 * passed). A failed run's failures are printed again last, so the end of the log (all a CI
 * summary may keep) says which run failed and why, not the other run's passing summary.
 */
export async function all(commands) {
  const results = await Promise.all(commands.map(([args, label]) => start(args, label)));
  const failed = results.filter((r) => r.code !== 0);
  for (const r of failed) printDigest(r);
  return failed[0]?.code ?? 0;
}

/** The failure part of a run's output (from Vitest's first failure heading), or its tail. */
function printDigest({ label, code, lines }) {
  // eslint-disable-next-line no-control-regex
  const plain = lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
  const first = plain.findIndex((l) => /Failed Tests \d+|Unhandled Error|FAIL\s/.test(l));
  const from = first === -1 ? Math.max(0, plain.length - DIGEST_LINES) : first;
  const shown = plain.slice(from, from + DIGEST_LINES);
  process.stdout.write(`\n== [${label}] failed (exit ${code}); its failures again:\n`);
  for (const l of shown) process.stdout.write(`[${label}] ${l}\n`);
  if (from + DIGEST_LINES < plain.length) process.stdout.write(`[${label}] … (${plain.length - from - DIGEST_LINES} more lines above, in the run's output)\n`);
}
