/**
 * Where per-socket memory goes: seeds `users` × `friends`, starts one Beacon with
 * `--heapsnapshot-signal`, takes a heap snapshot, connects every user (auth, wait for
 * ready), takes another, and prints what grew (self size by constructor ÷ sockets, largest
 * first), with the process's memory split (V8 heap, external, array buffers) before and after,
 * and again after the snapshot's full GC (how much of the heap was garbage not yet collected).
 * Usage: node --import tsx bench/heap-census.ts [users=5000] [friends=50] [top=30] [git ref]
 * With a git ref, Beacon runs from a snapshot of that commit (before/after comparisons).
 * HEAP_CENSUS_KEEP=<file> keeps the second snapshot (for DevTools' retainer view).
 * HEAP_CENSUS_HALF=<redis url> runs Beacon as one of two instances over that Redis: only every
 * other user connects, yet the friends of those users (nearly everyone) are replicated here,
 * as on each instance of the two-instance bench. With a one-instance census of the same graph
 * this splits the cost into a per-socket and a per-replica part (docs/capacity.md).
 * HEAP_CENSUS_EVERY=k (with HEAP_CENSUS_HALF; default 2) connects only every k-th user: with k
 * large, replicas outnumber sockets (each of many instances behind a load balancer), and the
 * growth per replica (the line `per replica`, from the server's beacon_replicas gauge) measures a
 * replica's cost nearly alone. Code compiled on the first connects (~3 MB, whatever the number
 * of sockets) counts in every growth here: compare runs of one size, or take the slope of two.
 * HEAP_CENSUS_SETTLE_MS (default 3000): how long the sockets sit idle before RSS is read.
 * HEAP_CENSUS_SAMPLE=<file> also writes a sampling heap profile of the connects (from just
 * before the first socket to 3 s after the last is ready) to that file; with
 * HEAP_CENSUS_SAMPLE_DEAD=1 it keeps objects promoted and then collected too. Compare the two
 * with `node --import tsx bench/heap-sample-diff.ts DEAD.json LIVE.json` (docs/benchmarks.md).
 * Beacon runs its compiled build (dist/server/main.js, built first when missing or stale), as
 * `npm start` and the bench do; HEAP_CENSUS_TSX=1 runs its sources through tsx instead.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import { connectAll } from './connect-all.js';
import { buildGraph } from './graph.js';
import { seedBeacon } from './seed-beacon.js';
import { freePort, killAll, rssKiB, sleep, startServer } from './servers.js';
import { snapshot } from './snapshot.js';
import { ROOT, beaconEntry } from './targets.js';

const [users = 5000, friends = 50, top = 30] = process.argv.slice(2, 5).map(Number);
const ref = process.argv[5];
const tree = ref ? snapshot(ROOT, ref) : null;
process.on('exit', () => tree?.remove());
const BEACON = tree?.root ?? ROOT;
const TSX = process.env.HEAP_CENSUS_TSX === '1';
const SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

function census(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    // Strings and arrays are grouped by their shape (digits and hex runs masked), to see which kinds dominate.
    const raw = snap.strings[snap.nodes[i + nameAt]!]!;
    const name =
      type === 'object' || type === 'closure' || type === 'array' || type === 'native' || type === 'hidden'
        ? `${type}:${raw}`
        : type === 'string' || type === 'concatenated string'
          ? `${type}:${raw.slice(0, 60).replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<uuid>').replace(/\d+/g, '#')}`
          : type;
    const e = out.get(name) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += snap.nodes[i + sizeAt]!;
    out.set(name, e);
  }
  return out;
}

const METRICS_TOKEN = 'heap-census-metrics-token-0123456789';
const HALF = process.env.HEAP_CENSUS_HALF;
const EVERY = HALF ? Number(process.env.HEAP_CENSUS_EVERY ?? 2) : 1;
if (!Number.isInteger(EVERY) || EVERY < 1) throw new Error('HEAP_CENSUS_EVERY must be a positive integer');
const SAMPLE = process.env.HEAP_CENSUS_SAMPLE;

/** V8 heap used, external and array-buffer memory and RSS, from the server's /metrics (bytes). */
async function memory(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return {
    rss: read('process_resident_memory_bytes'),
    heapUsed: read('nodejs_heap_size_used_bytes'),
    heapTotal: read('nodejs_heap_size_total_bytes'),
    external: read('nodejs_external_memory_bytes'),
    replicas: read('beacon_replicas'),
  };
}

/** Takes a heap snapshot of the server (SIGUSR2) and returns its census. */
async function snapshotCensus(pid: number, dir: string, taken: Set<string>, keepAs?: string): Promise<Map<string, { count: number; bytes: number }>> {
  process.kill(pid, 'SIGUSR2');
  for (let k = 0; k < 600; k++) {
    await sleep(500);
    const done = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !taken.has(f));
    if (!done) continue;
    // The file is complete once its size stops changing.
    const size = () => readFileSync(join(dir, done)).length;
    const a = size();
    await sleep(1000);
    if (a > 0 && a === size()) {
      taken.add(done);
      const c = census(join(dir, done));
      if (keepAs) copyFileSync(join(dir, done), keepAs);
      rmSync(join(dir, done));
      return c;
    }
  }
  throw new Error('no heap snapshot');
}

/** Waits for the server's preload to write its sampling profile (removed first, in main). */
async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 600 && !existsSync(file); i++) await sleep(100);
  if (!existsSync(file)) throw new Error(`no heap sampling profile at ${file}`);
  await sleep(500);
}

async function main(): Promise<void> {
  if (SAMPLE) rmSync(SAMPLE, { force: true });
  const dir = mkdtempSync(join(tmpdir(), 'beacon-heap-'));
  const databaseUrl = `sqlite:${join(dir, 'bench.db')}`;
  const seeded = await seedBeacon(BEACON, databaseUrl, buildGraph(users, friends, 42), SECRET);
  const port = await freePort();
  const server = await startServer({
    name: 'heap',
    ...beaconEntry(BEACON, TSX),
    cwd: BEACON,
    port,
    logDir: dir,
    nodeArgs: ['--heapsnapshot-signal=SIGUSR2', '--diagnostic-dir', dir, ...(SAMPLE ? ['--import', join(ROOT, 'bench/heap-sampling-preload.mjs')] : [])],
    env: { BEACON_PORT: String(port), BEACON_DATABASE_URL: databaseUrl, BEACON_JWT_SECRET: SECRET, BEACON_RATE_LIMITS: 'off', BEACON_LOG_LEVEL: 'warn', BEACON_WEB_ROOT: 'off', BEACON_METRICS_TOKEN: METRICS_TOKEN, ...(SAMPLE ? { HEAP_SAMPLE_OUT: SAMPLE, HEAP_SAMPLE_DEAD: process.env.HEAP_CENSUS_SAMPLE_DEAD ?? '0' } : {}), ...(HALF ? { BEACON_REDIS_URL: HALF, BEACON_REDIS_PREFIX: `census${process.pid}` } : {}) },
  });
  const taken = new Set<string>();
  const before = await snapshotCensus(server.pid, dir, taken);
  await sleep(1000);
  const mem0 = await memory(port);
  const rss0 = rssKiB(server.pid);
  const sockets: WebSocket[] = [];
  const tokens = seeded.tokens.filter((_, i) => i % EVERY === 0);
  if (SAMPLE) {
    process.kill(server.pid, 'SIGUSR1');
    await sleep(200);
  }
  const t0 = performance.now();
  sockets.push(...(await connectAll(port, tokens)));
  const seconds = (performance.now() - t0) / 1000;
  const n = tokens.length;
  await sleep(3000);
  let rss1 = rssKiB(server.pid);
  // HEAP_CENSUS_SETTLE_MS: how long the sockets sit idle before RSS is read and the snapshot taken.
  const settle = Number(process.env.HEAP_CENSUS_SETTLE_MS ?? 3000);
  if (settle > 3000) {
    console.log(`RSS 3 s after the last ready: ${((rss1 - rss0) / 1024).toFixed(1)} MiB above the start`);
    await sleep(settle - 3000);
    rss1 = rssKiB(server.pid);
  }
  if (SAMPLE) {
    process.kill(server.pid, 'SIGUSR1');
    await waitForFile(SAMPLE);
  }
  const replicas = (await memory(port)).replicas! - mem0.replicas!;
  console.log(`${n} sockets ready in ${seconds.toFixed(2)} s (${(n / seconds).toFixed(0)}/s), ${replicas} replicas${HALF ? ` (HEAP_CENSUS_HALF, every ${EVERY}th user connects)` : ''}; RSS ${(rss0 / 1024).toFixed(1)} → ${(rss1 / 1024).toFixed(1)} MiB = ${((rss1 - rss0) / n).toFixed(2)} KiB per socket`);
  const mem1 = await memory(port);
  const after = await snapshotCensus(server.pid, dir, taken, process.env.HEAP_CENSUS_KEEP);
  await sleep(1000);
  const mem2 = await memory(port);
  for (const ws of sockets) ws.terminate();
  await server.stop();
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  for (const k of Object.keys(mem0)) {
    if (k === 'replicas') continue;
    console.log(`${k.padEnd(9)} ${mib(mem0[k]!)} → ${mib(mem1[k]!)} MiB = ${((mem1[k]! - mem0[k]!) / n / 1024).toFixed(2)} KiB per socket; after the snapshot's full GC ${mib(mem2[k]!)} MiB = ${((mem2[k]! - mem0[k]!) / n / 1024).toFixed(2)} KiB per socket`);
  }
  const grown = [...after].map(([name, e]) => {
    const b = before.get(name) ?? { count: 0, bytes: 0 };
    return [name, { count: e.count - b.count, bytes: e.bytes - b.bytes }] as const;
  });
  grown.sort((x, y) => y[1].bytes - x[1].bytes);
  const total = grown.reduce((s, [, e]) => s + e.bytes, 0);
  // Code compiled by the first connects grows by about the same few MB whatever the number of sockets.
  const code = grown.find(([name]) => name === 'code')?.[1].bytes ?? 0;
  console.log(`heap objects grew ${mib(total)} MiB = ${(total / n / 1024).toFixed(2)} KiB per socket (${mib(code)} MiB of it compiled code, a fixed cost: ${((total - code) / n / 1024).toFixed(2)} KiB without); by constructor:`);
  console.log(`per replica, sockets included (${n} sockets, ${replicas} replicas): heap objects without code ${((total - code) / replicas / 1024).toFixed(2)} KiB, RSS ${((rss1 - rss0) / replicas).toFixed(2)} KiB`);
  for (const [name, e] of grown.slice(0, top)) console.log(`${(e.bytes / n).toFixed(0).padStart(7)} B/socket ${(e.count / n).toFixed(2).padStart(8)} per socket  ${name.replace(/\s+/g, ' ').slice(0, 90)}`);
  rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    killAll();
    process.exit(1);
  },
);
