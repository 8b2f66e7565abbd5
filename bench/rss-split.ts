/**
 * Where the RSS per idle socket comes from, for both targets in one run: starts the bare `ws`
 * baseline, then one Beacon (SQLite, rate limits off, as the bench runs it), each with
 * bench/memory-split-preload.mjs, connects every user of the same seeded graph (auth, wait for
 * `ready`, 100 at a time) and prints, per socket, how the growth from just before the first
 * connect to 3 s and 20 s after the last splits: V8's old space (committed, and in use), the rest
 * of the V8 heap (large objects, such as the tables of Maps with thousands of entries; code; new space and the rest), external memory (buffers), and the native rest
 * (RSS minus the V8 heap and external memory: libuv and `net` handles, typed arrays' stores,
 * SQLite's page cache, malloc). No heap snapshot is taken, so no forced GC changes the figures.
 * Usage: node --import tsx bench/rss-split.ts [users=10000] [friends=50]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAll } from './connect-all.js';
import { buildGraph } from './graph.js';
import { seedBeacon } from './seed-beacon.js';
import { freePort, killAll, sleep, startServer, type ServerProc } from './servers.js';
import { ROOT, beaconEntry } from './targets.js';

const [users = 10_000, friends = 50] = process.argv.slice(2, 4).map(Number);
const SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';
const PRELOAD = join(ROOT, 'bench/memory-split-preload.mjs');

interface Split {
  at: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  oldCommitted: number;
  oldUsed: number;
  largeCommitted: number;
  codeCommitted: number;
}

/** The preload's last line written at or before `at`. */
function splitAt(file: string, at: number): Split {
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Split);
  const before = lines.filter((l) => l.at <= at);
  return before.at(-1) ?? lines[0]!;
}

/** Connects everyone to a started server and returns its per-socket splits at 3 s and 20 s. */
async function measure(server: ServerProc, file: string, tokens: string[]): Promise<[Split, ...Split[]]> {
  await sleep(2000);
  const t0 = Date.now();
  await sleep(600);
  const sockets = await connectAll(server.port, tokens);
  const last = Date.now();
  await sleep(20_600);
  const at: [Split, ...Split[]] = [splitAt(file, t0), splitAt(file, last + 3000), splitAt(file, last + 20_000)];
  for (const ws of sockets) ws.terminate();
  await server.stop();
  return at;
}

function row(name: string, [a, ...later]: [Split, ...Split[]]): string[] {
  const kib = (b: number) => (b / 1024 / users).toFixed(2);
  return later.map((b, i) => {
    const heapRest = b.heapTotal - b.oldCommitted - (a.heapTotal - a.oldCommitted);
    const native = b.rss - b.heapTotal - b.external - (a.rss - a.heapTotal - a.external);
    const large = b.largeCommitted - a.largeCommitted;
    const code = b.codeCommitted - a.codeCommitted;
    return `| ${name}, ${i === 0 ? '3 s' : '20 s'} | ${kib(b.rss - a.rss)} | ${kib(b.oldCommitted - a.oldCommitted)} (${kib(b.oldUsed - a.oldUsed)} in use) | ${kib(large)} | ${kib(code)} | ${kib(heapRest - large - code)} | ${kib(b.external - a.external)} | ${kib(native)} |`;
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-rss-split-'));
  const graph = buildGraph(users, friends, 42);
  const databaseUrl = `sqlite:${join(dir, 'bench.db')}`;
  const seeded = await seedBeacon(ROOT, databaseUrl, graph, SECRET);
  const nodeArgs = ['--import', PRELOAD];

  const baseFile = join(dir, 'baseline.jsonl');
  const basePort = await freePort();
  const baseline = await startServer({
    name: 'split-baseline',
    script: join(ROOT, 'bench/baseline-server.ts'),
    cwd: ROOT,
    port: basePort,
    logDir: dir,
    nodeArgs,
    env: { MEMORY_SPLIT_OUT: baseFile, BASELINE_PORT: String(basePort), BASELINE_USERS: String(users), BASELINE_FRIENDS: String(friends), BASELINE_SEED: '42' },
  });
  const base = await measure(baseline, baseFile, seeded.tokens);

  const beaconFile = join(dir, 'beacon.jsonl');
  const port = await freePort();
  const beacon = await startServer({
    name: 'split-beacon',
    ...beaconEntry(ROOT, false),
    cwd: ROOT,
    port,
    logDir: dir,
    nodeArgs,
    env: { MEMORY_SPLIT_OUT: beaconFile, BEACON_PORT: String(port), BEACON_DATABASE_URL: databaseUrl, BEACON_JWT_SECRET: SECRET, BEACON_RATE_LIMITS: 'off', BEACON_LOG_LEVEL: 'warn', BEACON_WEB_ROOT: 'off' },
  });
  const mine = await measure(beacon, beaconFile, seeded.tokens);

  console.log(`${users} users × ${friends} friends; growth per socket from just before the first connect, KiB`);
  console.log('| target, after the last ready | RSS | V8 old space committed | large objects | code | rest of the V8 heap | external | native rest |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const line of [...row('baseline', base), ...row('Beacon', mine)]) console.log(line);
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
