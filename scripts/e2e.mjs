#!/usr/bin/env node
/**
 * Runs the e2e suite as two vitest processes side by side: the idle-detection file, which
 * spends about two minutes waiting on the app's real timers and little CPU, and every other
 * file, one at a time as before. Chromium is unpacked once first, so the two never race to
 * unpack it. Exits non-zero when either run fails. With arguments (files, options), one run
 * of vitest with them.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const SLOW = 'e2e/idle.e2e.ts';
const extra = process.argv.slice(2);

function run(args, label) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    // Line-prefixed, so the two runs' output stays readable when interleaved.
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

// Unpack the packaged Chromium once (global-setup does it too, but two at once would race).
const unpack = await run(['--import', 'tsx', '-e', "await (await import('./e2e/helpers/browser.ts')).chromiumExecutable()"], 'setup');
if (unpack !== 0) process.exit(unpack);

const config = ['run', '--config', 'e2e/vitest.config.ts', ...extra];
// Asked for particular files or options: one run, as asked.
const runs = extra.length > 0 ? [run([vitest, ...config], 'e2e')] : [run([vitest, ...config, SLOW], 'idle'), run([vitest, ...config, '--exclude', SLOW], 'e2e')];
const codes = await Promise.all(runs);
const failed = codes.find((c) => c !== 0);
process.exit(failed ?? 0);
