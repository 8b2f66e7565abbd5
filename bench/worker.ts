/**
 * A generator worker (forked by run.ts with `--import tsx`): owns a slice of the users'
 * sockets, sends the churn the parent schedules, and streams receipts and send times
 * back every 200 ms. Exits when the parent goes away.
 */
import { BenchClient, type ClientSink } from './bench-client.js';
import { rng } from './graph.js';
import { ACTIVITIES, STATUSES, nowMs, type FromWorker, type ToWorker, type WorkerCounters } from './protocol.js';

const clients: BenchClient[] = [];
const byIndex = new Map<number, BenchClient>();
let compression = false;
let concurrency = 200;
let random = rng(1);
let counters = freshCounters();
let wireAtPhaseStart = 0;
let errorSamples = 0;

let recvIds: number[] = [];
let recvActs: number[] = [];
let recvTimes: number[] = [];
let sendIds: number[] = [];
let sendActs: number[] = [];
let sendTimes: number[] = [];

function freshCounters(): WorkerCounters {
  return {
    frames: 0,
    payloadBytes: 0,
    wireBytes: 0,
    offline: 0,
    otherChanges: 0,
    errors: 0,
    unexpectedCloses: 0,
    closeCodes: {},
    skippedSends: 0,
  };
}

function post(msg: FromWorker): void {
  process.send?.(msg);
}

const sink: ClientSink = {
  receipt(id, act, at) {
    recvIds.push(id);
    recvActs.push(act);
    recvTimes.push(at);
  },
  frame(bytes) {
    counters.frames++;
    counters.payloadBytes += bytes;
  },
  offline() {
    counters.offline++;
  },
  otherChange() {
    counters.otherChanges++;
  },
  error(what) {
    counters.errors++;
    if (errorSamples++ < 5) console.error(`bench worker ${process.pid}: ${what}`);
  },
  unexpectedClose(code) {
    counters.unexpectedCloses++;
    counters.closeCodes[code] = (counters.closeCodes[code] ?? 0) + 1;
  },
};

function totalWire(): number {
  let sum = 0;
  for (const c of clients) sum += c.wireBytes();
  return sum;
}

function flushData(): void {
  if (recvIds.length === 0 && sendIds.length === 0) return;
  post({
    type: 'data',
    recvIds: Int32Array.from(recvIds),
    recvActs: Uint8Array.from(recvActs),
    recvTimes: Float64Array.from(recvTimes),
    sendIds: Int32Array.from(sendIds),
    sendActs: Uint8Array.from(sendActs),
    sendTimes: Float64Array.from(sendTimes),
  });
  recvIds = [];
  recvActs = [];
  recvTimes = [];
  sendIds = [];
  sendActs = [];
  sendTimes = [];
}

/** Opens every given client, `concurrency` at a time, each with up to 3 attempts. */
async function openAll(list: BenchClient[], timeoutMs: number, delays?: Float64Array) {
  const deadline = nowMs() + timeoutMs;
  const latencies: number[] = [];
  let failed = 0;
  let lastReadyAt = 0;
  let next = 0;
  const lane = async () => {
    while (next < list.length) {
      const i = next++;
      const c = list[i]!;
      const delay = delays?.[i] ?? 0;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      let ok = false;
      for (let attempt = 0; attempt < 3 && !ok && nowMs() < deadline; attempt++) {
        try {
          latencies.push(await c.open(Math.max(1000, Math.min(15_000, deadline - nowMs()))));
          lastReadyAt = nowMs();
          ok = true;
        } catch {
          await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        }
      }
      if (!ok) failed++;
    }
  };
  // Storm reconnects wait on their own timers, so every client needs a lane of its own.
  const lanes = delays ? list.length : Math.min(concurrency, list.length);
  await Promise.all(Array.from({ length: lanes }, lane));
  return { ready: list.length - failed, failed, latencies: Float64Array.from(latencies), lastReadyAt };
}

function sendChanges(ids: Int32Array, indexes: Int32Array, kinds: Uint8Array): void {
  for (let k = 0; k < ids.length; k++) {
    const c = byIndex.get(indexes[k]!);
    const id = ids[k]!;
    let text: string;
    let act = c?.activity ?? 0;
    if (kinds[k] === 0) {
      const status = STATUSES[Math.floor(random() * STATUSES.length)]!;
      text = `{"type":"set_status","status":"${status}","custom_message":"m${id}"}`;
    } else {
      // Always a different activity, so that the change is visible and identifiable.
      act = (act + 1 + Math.floor(random() * (ACTIVITIES.length - 1))) % ACTIVITIES.length;
      text = `{"type":"activity","activity":"${ACTIVITIES[act]}"}`;
    }
    const at = nowMs();
    if (!c || !c.send(text)) {
      counters.skippedSends++;
      continue;
    }
    c.activity = act;
    sendIds.push(id);
    sendActs.push(act);
    sendTimes.push(at);
  }
}

async function storm(windowMs: number, timeoutMs: number): Promise<void> {
  for (const c of clients) c.drop();
  const delays = Float64Array.from(clients, () => random() * windowMs);
  const r = await openAll(clients, timeoutMs, delays);
  post({ type: 'storm-done', ...r });
}

process.on('message', (raw: unknown) => {
  const msg = raw as ToWorker;
  switch (msg.type) {
    case 'init':
      compression = msg.compression;
      concurrency = msg.concurrency;
      random = rng(msg.seed);
      for (const spec of msg.clients) {
        const c = new BenchClient(spec, sink, compression);
        clients.push(c);
        byIndex.set(spec.index, c);
      }
      break;
    case 'connect':
      void openAll(clients, msg.timeoutMs).then((r) => post({ type: 'connected', ...r }));
      break;
    case 'phase':
      flushData();
      counters = freshCounters();
      wireAtPhaseStart = totalWire();
      break;
    case 'changes':
      sendChanges(msg.ids, msg.indexes, msg.kinds);
      break;
    case 'storm':
      void storm(msg.windowMs, msg.timeoutMs);
      break;
    case 'flush':
      flushData();
      counters.wireBytes = totalWire() - wireAtPhaseStart;
      post({ type: 'flushed', token: msg.token, counters });
      break;
    case 'stop':
      for (const c of clients) c.drop();
      flushData();
      setTimeout(() => process.exit(0), 50);
      break;
  }
});

setInterval(flushData, 200).unref();
process.on('disconnect', () => process.exit(0));
post({ type: 'ready-to-work' });
