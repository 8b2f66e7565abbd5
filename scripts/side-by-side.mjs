/**
 * Runs a command (node with `args`) with its output line-prefixed by `label`, so that two
 * runs side by side stay readable when interleaved. Resolves to its exit code. Used by
 * scripts/unit.mjs and scripts/e2e.mjs, which split a suite into a slow, mostly waiting part
 * and the rest, run at once.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));

export function run(args, label) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const prefix = (stream, out) => {
      let rest = '';
      stream.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) out.write(`[${label}] ${line}\n`);
      });
      stream.on('end', () => rest && out.write(`[${label}] ${rest}\n`));
    };
    prefix(child.stdout, process.stdout);
    prefix(child.stderr, process.stderr);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
