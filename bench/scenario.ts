/**
 * One scenario against one target (Beacon or the baseline): seed, start the server(s),
 * fork the generator workers, then the phases — connect, (login sample), steady churn,
 * reconnect storm, rate sweep — each with a time limit. Always stops what it started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markPhase, runChurn, summarize, type ChurnContext, type ChurnFigures, type LatencySummary } from './churn.js';
import { Fleet } from './fleet.js';
import { passes, sweep } from './sweep.js';
import { buildGraph, edgeCount, rng, shuffled } from './graph.js';
import { Ledger } from './ledger.js';
import { measureLogins, pct, type LoginFigures } from './probe.js';
import type { ClientSpec, WorkerCounters } from './protocol.js';
import { nowMs } from './protocol.js';
import { baselineTokens, seedBeacon } from './seed-beacon.js';
import { startTargets, type TargetKind } from './targets.js';
import { cpuMs, rssKiB, sleep, type ServerProc } from './servers.js';

export interface ScenarioParams {
  name: string;
  target: TargetKind;
  users: number;
  friends: number;
  rate: number;
  durationS: number;
  instances: number;
  workers: number;
  compression: boolean;
  seed: number;
  /** Reconnect storm: every client drops, then reconnects after a random delay in [0, windowMs). */
  stormWindowMs: number;
  /** Offline grace given to Beacon; the storm watches for flaps for window + grace + 1.5 s. */
  offlineGraceMs: number;
  sweepRates: number[];
  /**
   * Rates tried from the highest down when the steady phase itself misses p99 ≤ 100 ms (a slow
   * hour): the first passing one is the highest rate at p99 ≤ 100 ms, so the throughput ratio
   * can still be judged. None by default.
   */
  sweepDownRates?: number[];
  sweepStepS: number;
  loginSample: number;
  connectTimeoutMs: number;
  /** First loopback source address octet used by this scenario's clients. */
  addressBase: number;
  profileDir: string | null;
  /** Seed nodes of the Redis Cluster the instances share (BEACON_REDIS_MODE=cluster); null: the Redis on :6379. */
  redisCluster: string | null;
  /** The Beacon source tree to run and seed with (the working tree or a snapshot). */
  beaconRoot: string;
  /** How to start it (beaconEntry in targets.ts): its compiled build or its sources through tsx. */
  beaconEntry: { script: string; tsx: boolean };
  /** Every change a set_status with a new custom message (the ejabberd workload), instead of alternating with activities. */
  messagesOnly?: boolean;
  /** With several instances: the Redis settings they share (default: the local Redis at REDIS_URL). */
  redisEnv?: Record<string, string> | null;
  /** Count the database rows the instances write during the steady phase (reads /metrics). */
  countWrites?: boolean;
  /**
   * Also read RSS this many seconds after the last socket got ready, the sockets idle meanwhile
   * (0 or absent: not read). The 3 s reading still holds the connect burst's garbage; V8
   * collects it once the process has been idle for a while (its memory reducer, ~10 s here).
   */
  rssSettleS?: number;
}

export interface StormFigures {
  windowMs: number;
  reconnected: number;
  failed: number;
  allBackS: number;
  readyMs: LatencySummary;
  offlineFlaps: number;
  otherChanges: number;
  counters: WorkerCounters;
}

export interface ScenarioResult {
  params: ScenarioParams;
  ok: boolean;
  errors: string[];
  seedMs: number | null;
  graphEdges: number;
  connect: { ready: number; failed: number; seconds: number; perSecond: number; readyMs: LatencySummary; serverCpuS: number } | null;
  /** `settledPerSocket`: read `params.rssSettleS` after connecting, or null when not read. */
  rssKiB: { before: number; after: number; perSocket: number; settledPerSocket: number | null } | null;
  login: (Omit<LoginFigures, 'latencies'> & { p50: number; p99: number }) | null;
  steady: ChurnFigures | null;
  storm: StormFigures | null;
  sweep: ChurnFigures[];
  maxRateAtP99: { rate: number; deliveriesPerSec: number } | null;
  /** Presence rows written to the database by all instances during the steady phase (drain included). */
  dbWrites: { rows: number; changes: number; perChange: number } | null;
}

const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';
const METRICS_TOKEN = 'bench-metrics-token';

/** Sum over the servers of a counter read from GET /metrics. */
async function counter(servers: ServerProc[], name: string): Promise<number> {
  let sum = 0;
  for (const s of servers) {
    const res = await fetch(`http://127.0.0.1:${s.port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    if (!res.ok) throw new Error(`GET /metrics on ${s.name}: ${res.status}`);
    const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name} `));
    sum += line ? Number(line.slice(name.length + 1)) : 0;
  }
  return sum;
}

async function storm(ctx: ChurnContext, p: ScenarioParams): Promise<StormFigures> {
  ctx.fleet.phase('storm');
  const start = nowMs();
  const r = await ctx.fleet.storm(p.stormWindowMs, p.stormWindowMs + 20_000);
  // An offline for a returning user is sent at the earliest `grace` after its drop.
  const watchUntil = start + p.stormWindowMs + p.offlineGraceMs + 1500;
  while (nowMs() < watchUntil) await sleep(200);
  const counters = await ctx.fleet.flush();
  markPhase('storm', start);
  return {
    windowMs: p.stormWindowMs,
    reconnected: r.ready,
    failed: r.failed,
    allBackS: (r.lastReadyAt - start) / 1000,
    readyMs: summarize(r.latencies),
    offlineFlaps: counters.offline,
    otherChanges: counters.otherChanges,
    counters,
  };
}

function clientSpecs(p: ScenarioParams, servers: ServerProc[], userIds: number[], tokens: string[]): ClientSpec[][] {
  const slices: ClientSpec[][] = Array.from({ length: p.workers }, () => []);
  for (let i = 0; i < p.users; i++) {
    const server = servers[i % servers.length]!;
    slices[i % p.workers]!.push({
      index: i,
      userId: userIds[i]!,
      token: tokens[i]!,
      url: `ws://127.0.0.1:${server.port}/ws/status`,
      localAddress: `127.0.0.${p.addressBase + (i % 8)}`,
    });
  }
  return slices;
}

export async function runScenario(p: ScenarioParams): Promise<ScenarioResult> {
  const res: ScenarioResult = { params: p, ok: false, errors: [], seedMs: null, graphEdges: 0, connect: null, rssKiB: null, login: null, steady: null, storm: null, sweep: [], maxRateAtP99: null, dbWrites: null };
  const dir = mkdtempSync(join(tmpdir(), `beacon-bench-${p.target}-`));
  const graph = buildGraph(p.users, p.friends, p.seed);
  res.graphEdges = edgeCount(graph);
  let servers: ServerProc[] = [];
  let fleet: Fleet | null = null;
  try {
    let userIds = Array.from({ length: p.users }, (_, i) => i + 1);
    let tokens: string[];
    const databaseUrl = `sqlite:${join(dir, 'bench.db')}`;
    if (p.target === 'beacon') {
      const seeded = await seedBeacon(p.beaconRoot, databaseUrl, graph, JWT_SECRET);
      res.seedMs = seeded.ms;
      userIds = seeded.userIds;
      tokens = seeded.tokens;
    } else tokens = await baselineTokens(p.beaconRoot, p.users, JWT_SECRET);
    servers = await startTargets({ ...p, metricsToken: p.countWrites ? METRICS_TOKEN : null }, { dir, databaseUrl, jwtSecret: JWT_SECRET });
    const ledger = new Ledger(p.users, p.messagesOnly ?? false);
    fleet = await Fleet.start(clientSpecs(p, servers, userIds, tokens), { compression: p.compression, concurrency: 100, seed: p.seed }, ledger);
    const ctx: ChurnContext = { fleet, ledger, graph, workers: p.workers, workerOf: (i) => i % p.workers, order: shuffled(p.users, rng(p.seed + 7)), cursor: 0, servers };

    const rssBefore = servers.reduce((s, x) => s + rssKiB(x.pid), 0);
    const cpu0 = servers.reduce((s, x) => s + cpuMs(x.pid), 0);
    fleet.phase('connect');
    const t0 = nowMs();
    const c = await fleet.connect(p.connectTimeoutMs);
    const seconds = (c.lastReadyAt - t0) / 1000;
    markPhase('connect', t0);
    res.connect = { ready: c.ready, failed: c.failed, seconds, perSecond: c.ready / Math.max(seconds, 1e-3), readyMs: summarize(c.latencies), serverCpuS: (servers.reduce((s, x) => s + cpuMs(x.pid), 0) - cpu0) / 1000 };
    if (c.failed > 0) res.errors.push(`connect: ${c.failed} of ${p.users} sockets never got ready`);
    await sleep(3000); // let the "came online" fan-out settle before reading RSS
    await fleet.flush();
    const rssAfter = servers.reduce((s, x) => s + rssKiB(x.pid), 0);
    let settledPerSocket: number | null = null;
    if (p.rssSettleS) {
      await sleep(Math.max(0, c.lastReadyAt + p.rssSettleS * 1000 - nowMs()));
      settledPerSocket = (servers.reduce((s, x) => s + rssKiB(x.pid), 0) - rssBefore) / Math.max(1, c.ready);
    }
    res.rssKiB = { before: rssBefore, after: rssAfter, perSocket: (rssAfter - rssBefore) / Math.max(1, c.ready), settledPerSocket };
    if (c.ready === 0) throw new Error('no socket got ready; is /ws/status implemented?');

    if (p.target === 'beacon' && p.loginSample > 0) {
      const l = await measureLogins(servers[0]!.port, p.loginSample, 2);
      res.login = { attempts: l.attempts, ok: l.ok, perSecond: l.perSecond, p50: pct(l.latencies, 50), p99: pct(l.latencies, 99) };
      if (l.ok < l.attempts) res.errors.push(`login: ${l.attempts - l.ok} of ${l.attempts} failed`);
    }

    const rows0 = p.countWrites ? await counter(servers, 'beacon_presence_rows_written_total') : 0;
    res.steady = await runChurn(ctx, 'steady', p.rate, p.durationS * 1000, 30_000);
    if (p.countWrites) {
      // The write-behind runs every second: let the last changes reach the database.
      await sleep(1500);
      const rows = (await counter(servers, 'beacon_presence_rows_written_total')) - rows0;
      res.dbWrites = { rows, changes: res.steady.changesSent, perChange: rows / Math.max(1, res.steady.changesSent) };
    }
    if (res.steady.lost > 0) res.errors.push(`steady: ${res.steady.lost} deliveries lost`);
    if (res.steady.counters.skippedSends > 0) {
      res.errors.push(`steady: ${res.steady.counters.skippedSends} changes not sent (socket not open)`);
    }

    if (p.stormWindowMs > 0) {
      res.storm = await storm(ctx, p);
      if (res.storm.failed > 0) res.errors.push(`storm: ${res.storm.failed} clients did not come back`);
      if (res.storm.offlineFlaps > 0) res.errors.push(`storm: ${res.storm.offlineFlaps} offline flaps`);
    }

    const swept = await sweep(passes(res.steady), p.sweepRates, p.sweepDownRates ?? [], (rate) => runChurn(ctx, `sweep-${rate}`, rate, p.sweepStepS * 1000, 5000));
    res.sweep = swept.steps;
    res.maxRateAtP99 = swept.best;
    res.ok = res.errors.length === 0;
  } catch (err) {
    res.errors.push(err instanceof Error ? err.message : String(err));
  } finally {
    await fleet?.stop().catch(() => {});
    await Promise.all(servers.map((s) => s.stop(p.profileDir ? 60_000 : 5000).catch(() => {})));
    if (res.errors.length > 0) res.errors.push(`server logs kept in ${dir}`);
    else if (process.env.BENCH_KEEP_LOGS) console.log(`bench: server logs kept in ${dir} (BENCH_KEEP_LOGS)`);
    else rmSync(dir, { recursive: true, force: true });
  }
  return res;
}
