/**
 * Every change the bench made and every receipt the workers saw, in growable typed
 * arrays, and the join between them: latency = receive time − send time (both
 * CLOCK_MONOTONIC ms, so comparable across processes), loss = expected − received.
 */
import { degree, friendsOf, type Graph } from './graph.js';

class Grow<T extends Float64Array | Int32Array | Uint8Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  /** Sets index `i`, growing (filled with `fill`) as needed. */
  put(i: number, v: number, fill: number): void {
    while (this.length <= i) this.push(fill);
    this.data[i] = v;
  }
}

const f64 = (n: number) => new Float64Array(n);
const i32 = (n: number) => new Int32Array(n);
const u8 = (n: number) => new Uint8Array(n);

export interface PhaseResult {
  changesPlanned: number;
  changesSent: number;
  expected: number;
  /** Of `expected`, deliveries whose sender and receiver sit on different server instances. */
  expectedCrossInstance: number;
  received: number;
  lost: number;
  duplicates: number;
  unmatched: number;
  /** Latencies in ms, sorted ascending. */
  latencies: Float64Array;
  /** Per-second buckets by send time: [second, latencies sorted]. */
  buckets: Float64Array[];
  firstSend: number;
  lastSend: number;
}

export class Ledger {
  /** Per change id: user index, kind (0 set_status, 1 activity), next activity change id. */
  readonly user = new Grow(i32(1024), i32);
  readonly kind = new Grow(u8(1024), u8);
  readonly nextAct = new Grow(i32(1024), i32);
  readonly sendTime = new Grow(f64(1024), f64);
  readonly sendAct = new Grow(u8(1024), u8);
  readonly recvId = new Grow(i32(1 << 16), i32);
  readonly recvAct = new Grow(u8(1 << 16), u8);
  readonly recvTime = new Grow(f64(1 << 16), f64);
  /** Last set_status change id per user index (-1: none yet). */
  readonly #lastSet: Int32Array;

  /** `messagesOnly`: every change is a set_status with a new custom message (no activity changes). */
  constructor(
    users: number,
    private readonly messagesOnly = false,
  ) {
    this.#lastSet = new Int32Array(users).fill(-1);
  }

  get changes(): number {
    return this.user.length;
  }

  /** Plans the next change of `userIndex`; it alternates set_status and activity per user. */
  plan(userIndex: number): { id: number; kind: number } {
    const id = this.user.length;
    const last = this.#lastSet[userIndex]!;
    // An activity change is identified by the message of the set_status before it,
    // so it needs one, and only one activity change may follow each set_status.
    const kind = !this.messagesOnly && last >= 0 && this.nextAct.data[last] === -1 ? 1 : 0;
    this.user.push(userIndex);
    this.kind.push(kind);
    this.nextAct.push(-1);
    if (kind === 1) this.nextAct.data[last] = id;
    else this.#lastSet[userIndex] = id;
    return { id, kind };
  }

  recordSends(ids: Int32Array, acts: Uint8Array, times: Float64Array): void {
    for (let k = 0; k < ids.length; k++) {
      this.sendTime.put(ids[k]!, times[k]!, NaN);
      this.sendAct.put(ids[k]!, acts[k]!, 0);
    }
  }

  recordReceipts(ids: Int32Array, acts: Uint8Array, times: Float64Array): void {
    for (let k = 0; k < ids.length; k++) {
      this.recvId.push(ids[k]!);
      this.recvAct.push(acts[k]!);
      this.recvTime.push(times[k]!);
    }
  }

  /** Which change a receipt (message id, activity) stands for, or -1. */
  #resolve(msgId: number, act: number): number {
    if (msgId < 0 || msgId >= this.user.length || this.kind.data[msgId] !== 0) return -1;
    const next = this.nextAct.data[msgId]!;
    if (next >= 0 && next < this.sendAct.length && this.sendAct.data[next] === act && !Number.isNaN(this.sendTime.data[next]!)) {
      return next;
    }
    return this.sendAct.data[msgId] === act ? msgId : -1;
  }

  /** Joins the changes with ids in [from, to) with their receipts. */
  analyze(from: number, to: number, graph: Graph, instanceOf: (userIndex: number) => number = () => 0): PhaseResult {
    const count = new Uint16Array(Math.max(0, to - from));
    const lat: number[] = [];
    const byBucket = new Map<number, number[]>();
    let unmatched = 0;
    let firstSend = Infinity;
    let lastSend = -Infinity;
    for (let id = from; id < to; id++) {
      const t = this.sendTime.data[id];
      if (id < this.sendTime.length && t !== undefined && !Number.isNaN(t)) {
        firstSend = Math.min(firstSend, t);
        lastSend = Math.max(lastSend, t);
      }
    }
    for (let r = 0; r < this.recvId.length; r++) {
      const raw = this.recvId.data[r]!;
      if (raw >= to) continue;
      // An activity change carries the message of the set_status before it, which may belong
      // to the previous phase: resolve first, then keep the receipts of this phase's changes.
      const id = this.#resolve(raw, this.recvAct.data[r]!);
      if (id < 0 || id >= to) {
        if (raw >= from) unmatched++;
        continue;
      }
      if (id < from) continue;
      count[id - from]!++;
      const l = this.recvTime.data[r]! - this.sendTime.data[id]!;
      lat.push(l);
      const b = Math.floor((this.sendTime.data[id]! - firstSend) / 1000);
      let arr = byBucket.get(b);
      if (!arr) byBucket.set(b, (arr = []));
      arr.push(l);
    }
    let sent = 0;
    let expected = 0;
    let cross = 0;
    let lost = 0;
    let duplicates = 0;
    for (let id = from; id < to; id++) {
      if (id >= this.sendTime.length || Number.isNaN(this.sendTime.data[id]!)) continue;
      sent++;
      const u = this.user.data[id]!;
      const e = degree(graph, u);
      expected += e;
      for (const f of friendsOf(graph, u)) if (instanceOf(f) !== instanceOf(u)) cross++;
      const c = count[id - from]!;
      if (c < e) lost += e - c;
      else duplicates += c - e;
    }
    const buckets: Float64Array[] = [];
    for (const [b, arr] of [...byBucket].sort((x, y) => x[0] - y[0])) buckets[b] = Float64Array.from(arr).sort();
    return {
      changesPlanned: to - from,
      changesSent: sent,
      expected,
      expectedCrossInstance: cross,
      received: lat.length,
      lost,
      duplicates,
      unmatched,
      latencies: Float64Array.from(lat).sort(),
      buckets,
      firstSend,
      lastSend,
    };
  }
}
