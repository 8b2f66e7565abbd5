/**
 * GET /sdk/beacon-client.js and /sdk/beacon-elements.js: the browser SDK and the drop-in
 * elements as single ES modules, for `<script type="module">` on any site. Built by
 * `npm run build` (tsdown, see tsdown.config.ts) into dist/sdk; the server package ships
 * them in its own dist/sdk. Public code: any origin may load it (CORS and CORP allow it);
 * an ETag makes the daily revalidation cheap.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { App } from './http-kit.js';

export const SDK_FILES = ['beacon-client.js', 'beacon-elements.js'] as const;

/** The names are not versioned, so a day (not a year): an upgrade reaches pages within a day. */
const CACHE_CONTROL = 'public, max-age=86400, stale-while-revalidate=604800';

/** Repo layout (src/server or dist/server → dist/sdk) first, then the server package's dist/sdk. */
const CANDIDATES = [new URL('../../dist/sdk/', import.meta.url), new URL('./sdk/', import.meta.url)];

interface Bundle {
  body: Buffer;
  etag: string;
}

function load(name: string, dirs: readonly string[]): Bundle | null {
  for (const dir of dirs) {
    const path = `${dir}/${name}`;
    if (!existsSync(path)) continue;
    const body = readFileSync(path);
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  }
  return null;
}

/** Registers the routes; `dirs` overrides where the bundles are looked for (tests). */
export function sdkRoutes(app: App, dirs: readonly string[] = CANDIDATES.map((u) => fileURLToPath(u))): void {
  const cache = new Map<string, Bundle>();
  for (const name of SDK_FILES) {
    app.get(`/sdk/${name}`, { schema: { hide: true } }, async (request, reply) => {
      // Read once; a missing file is looked for again, so a build after the start is picked up.
      let bundle = cache.get(name) ?? null;
      if (!bundle) {
        bundle = load(name, dirs);
        if (bundle) cache.set(name, bundle);
      }
      if (!bundle) {
        return reply.status(404).send({ code: 'NOT_FOUND', message: `${name} is not built: run \`npm run build\`.` });
      }
      reply
        .header('Cache-Control', CACHE_CONTROL)
        .header('ETag', bundle.etag)
        .header('Access-Control-Allow-Origin', '*')
        .header('Cross-Origin-Resource-Policy', 'cross-origin');
      if (matches(request.headers['if-none-match'], bundle.etag)) return reply.status(304).send();
      return reply.type('text/javascript; charset=utf-8').send(bundle.body);
    });
  }
}

/** If-None-Match may list several tags, weak or strong; any match means "not modified". */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
