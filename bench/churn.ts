/**
 * The churn driver: schedules `rate` changes per second for `durationMs` over the users
 * in a fixed shuffled round-robin (so one user never changes twice in quick
 * succession), sends each to the worker owning the user, then drains and joins.
 */
import type { Fleet } from './fleet.js';
import type { Graph } from './graph.js';
import type { Ledger } from './ledger.js';
import { pct, startHealthProbe } from './probe.js';
import { nowMs, type WorkerCounters } from './protocol.js';
import { cpuMs, machineBusyMs, sleep, type ServerProc } from './servers.js';

export interface ChurnContext {
  fleet: Fleet;
  ledger: Ledger;
  graph: Graph;
  workers: number;
  /** Worker owning graph index i. */
  workerOf: (i: number) => number;
  order: Int32Array;
  cursor: number;
  servers: ServerProc[];
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface ChurnFigures {
  label: string;
  rate: number;
  durationS: number;
  changesSent: number;
  expected: number;
  expectedCrossInstance: number;
  received: number;
  lost: number;
  duplicates: number;
  unmatched: number;
  deliveriesPerSec: number;
  latencyMs: LatencySummary;
  /** Per second of send time: [p50, p95, p99]. */
  latencyOverTime: [number, number, number][];
  serverCpuS: number;
  cpuSPer1000Deliveries: number;
  /** GET /healthz latency during the phase, the outside view of event-loop delay. */
  healthzMs: LatencySummary;
  /** Average cores busy during the phase: the server(s), the generator (workers + parent), everything else on the machine. */
  cores: { server: number; generator: number; other: number };
  generatorCpuSPer1000Deliveries: number;
  payloadBytesPerDelivery: number;
  wireBytesPerDelivery: number;
  counters: WorkerCounters;
}

export function summarize(sorted: Float64Array): LatencySummary {
  return { count: sorted.length, p50: pct(sorted, 50), p95: pct(sorted, 95), p99: pct(sorted, 99), max: pct(sorted, 100) };
}

/** CPU ms of the generator: every worker plus this parent process. */
function generatorCpuMs(ctx: ChurnContext): number {
  const parent = process.cpuUsage();
  return ctx.fleet.pids().reduce((s, pid) => s + cpuMs(pid), (parent.user + parent.system) / 1000);
}

function dispatch(ctx: ChurnContext, count: number): void {
  const ids: number[][] = Array.from({ length: ctx.workers }, () => []);
  const idx: number[][] = Array.from({ length: ctx.workers }, () => []);
  const kinds: number[][] = Array.from({ length: ctx.workers }, () => []);
  for (let k = 0; k < count; k++) {
    const u = ctx.order[ctx.cursor++ % ctx.order.length]!;
    const { id, kind } = ctx.ledger.plan(u);
    const w = ctx.workerOf(u);
    ids[w]!.push(id);
    idx[w]!.push(u);
    kinds[w]!.push(kind);
  }
  for (let w = 0; w < ctx.workers; w++) {
    if (ids[w]!.length > 0) ctx.fleet.send(w, Int32Array.from(ids[w]!), Int32Array.from(idx[w]!), Uint8Array.from(kinds[w]!));
  }
}

/** Waits until receipts stop arriving for a second (at most `maxMs`); returns the final counters. */
async function drain(ctx: ChurnContext, maxMs: number): Promise<WorkerCounters> {
  const until = nowMs() + maxMs;
  let seen = -1;
  let counters = await ctx.fleet.flush();
  while (nowMs() < until) {
    await sleep(1000);
    counters = await ctx.fleet.flush();
    if (ctx.ledger.recvId.length === seen) break;
    seen = ctx.ledger.recvId.length;
  }
  return counters;
}

/** Prints a phase's window on the monotonic clock (the clock of V8 CPU profiles), for `profile-summary --from/--to`. */
export function markPhase(label: string, startMs: number): void {
  console.log(`bench: phase ${label} monotonic ${startMs.toFixed(0)}..${nowMs().toFixed(0)} ms`);
}

export async function runChurn(ctx: ChurnContext, label: string, rate: number, durationMs: number, maxDrainMs = 10_000): Promise<ChurnFigures> {
  ctx.fleet.phase(label);
  const probe = startHealthProbe(ctx.servers[0]!.port);
  const cpu0 = ctx.servers.reduce((s, p) => s + cpuMs(p.pid), 0);
  const gen0 = generatorCpuMs(ctx);
  const busy0 = machineBusyMs();
  const total = Math.round((rate * durationMs) / 1000);
  const from = ctx.ledger.changes;
  const start = nowMs();
  let planned = 0;
  while (planned < total && nowMs() - start < durationMs + 30_000) {
    const due = Math.min(total, Math.floor((rate * (nowMs() - start)) / 1000));
    if (due > planned) {
      dispatch(ctx, due - planned);
      planned = due;
    }
    await sleep(5);
  }
  const healthz = summarize(probe.stop());
  const counters = await drain(ctx, maxDrainMs);
  markPhase(label, start);
  const cpuS = (ctx.servers.reduce((s, p) => s + cpuMs(p.pid), 0) - cpu0) / 1000;
  const genS = (generatorCpuMs(ctx) - gen0) / 1000;
  const busyS = (machineBusyMs() - busy0) / 1000;
  const wallS = (nowMs() - start) / 1000;
  const r = ctx.ledger.analyze(from, ctx.ledger.changes, ctx.graph, (i) => i % ctx.servers.length);
  const over: [number, number, number][] = Array.from(r.buckets, (b) => (b ? [pct(b, 50), pct(b, 95), pct(b, 99)] : [NaN, NaN, NaN]));
  const delivered = Math.max(1, r.received);
  return {
    label,
    rate,
    durationS: durationMs / 1000,
    changesSent: r.changesSent,
    expected: r.expected,
    expectedCrossInstance: r.expectedCrossInstance,
    received: r.received,
    lost: r.lost,
    duplicates: r.duplicates,
    unmatched: r.unmatched,
    deliveriesPerSec: r.received / (durationMs / 1000),
    latencyMs: summarize(r.latencies),
    latencyOverTime: over,
    serverCpuS: cpuS,
    cpuSPer1000Deliveries: (cpuS / delivered) * 1000,
    healthzMs: healthz,
    cores: { server: cpuS / wallS, generator: genS / wallS, other: Math.max(0, busyS - cpuS - genS) / wallS },
    generatorCpuSPer1000Deliveries: (genS / delivered) * 1000,
    payloadBytesPerDelivery: counters.payloadBytes / delivered,
    wireBytesPerDelivery: counters.wireBytes / delivered,
    counters,
  };
}
