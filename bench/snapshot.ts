/**
 * `--beacon-ref <ref>`: benchmark a commit rather than the working tree (which others may
 * be editing): `git archive <ref>` into a temporary directory that shares node_modules.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Snapshot {
  root: string;
  commit: string;
  remove(): void;
}

export function snapshot(repo: string, ref: string): Snapshot {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: repo, encoding: 'utf8' }).trim();
  const root = mkdtempSync(join(tmpdir(), 'beacon-bench-tree-'));
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${root}"`], { cwd: repo });
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  return { root, commit, remove: () => rmSync(root, { recursive: true, force: true }) };
}
