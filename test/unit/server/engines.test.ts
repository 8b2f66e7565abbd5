/**
 * `npm ci --omit=dev` on the Node.js that package.json promises must install cleanly, even with
 * `--engine-strict` (production images often set it): no runtime dependency in the lock may ask
 * for a newer Node. content-disposition 3 (@fastify/static) and cookie 2 (light-my-request, under
 * fastify) asked for Node >= 22 while Beacon promises 20.19; package.json's overrides pin their
 * previous majors, whose API those callers use the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; dev?: boolean; optional?: boolean; engines?: { node?: string } | string[] }>;
};

describe('the Node.js version package.json promises', () => {
  it('satisfies every runtime dependency in the lock', () => {
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    const refused = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && !p.dev && p.engines && !Array.isArray(p.engines) && p.engines.node)
      .filter(([, p]) => !semver.satisfies(oldest, (p.engines as { node: string }).node))
      .map(([path, p]) => `${path.replace(/^node_modules\//, '')}@${p.version} wants node ${(p.engines as { node: string }).node}`);
    expect(refused, `package.json promises node ${pkg.engines.node}`).toEqual([]);
  });
});
