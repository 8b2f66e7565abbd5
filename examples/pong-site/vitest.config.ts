import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The site uses Beacon as installed from the packed tarballs (package.json), never from the
// repository's source: `npm run test:example` at the root packs and installs them first.
if (!existsSync(fileURLToPath(new URL('./node_modules/@beacon-presence/server/package.json', import.meta.url)))) {
  throw new Error('@beacon-presence/server is not installed here: run `npm run test:example` at the repository root (it packs and installs the tarballs)');
}

export default defineConfig({
  test: { include: ['test/**/*.test.ts'], environment: 'node', testTimeout: 20_000, hookTimeout: 30_000 },
});
