import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The site installs Beacon from the packed tarballs (package.json). Until they are installed
// here (`npm run pack` at the root, then `npm install` in this folder), the tests use Beacon's
// source in this repository instead.
const installed = existsSync(fileURLToPath(new URL('./node_modules/@beacon-presence/server/package.json', import.meta.url)));

export default defineConfig({
  resolve: installed ? {} : { alias: { '@beacon-presence/server': fileURLToPath(new URL('../../src/server/index.ts', import.meta.url)) } },
  test: { include: ['test/**/*.test.ts'], environment: 'node', testTimeout: 20_000, hookTimeout: 30_000 },
});
