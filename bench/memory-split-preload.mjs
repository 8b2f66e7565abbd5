/**
 * Preload for bench/rss-split.ts: appends the process's memory split (RSS, V8 heap committed and
 * used, its old and new spaces, external memory) as one JSON line to MEMORY_SPLIT_OUT every
 * MEMORY_SPLIT_EVERY_MS (default 500 ms), so the split can be read from outside at any moment
 * without a heap snapshot (which runs a full GC and would change what it measures).
 */
import { appendFileSync } from 'node:fs';
import v8 from 'node:v8';

const out = process.env.MEMORY_SPLIT_OUT;
const every = Number(process.env.MEMORY_SPLIT_EVERY_MS ?? 500);
if (out) {
  setInterval(() => {
    const m = process.memoryUsage();
    const space = (name) => v8.getHeapSpaceStatistics().find((s) => s.space_name === name);
    const old = space('old_space');
    const young = space('new_space');
    const large = space('large_object_space');
    const code = space('code_space');
    appendFileSync(
      out,
      `${JSON.stringify({ at: Date.now(), rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, oldCommitted: old?.space_size ?? 0, oldUsed: old?.space_used_size ?? 0, newCommitted: young?.space_size ?? 0, largeCommitted: large?.space_size ?? 0, codeCommitted: code?.space_size ?? 0 })}\n`,
    );
  }, every).unref();
}
