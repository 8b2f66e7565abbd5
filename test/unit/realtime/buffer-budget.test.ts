/**
 * The instance's budget on bytes buffered for sockets (buffer-budget.ts), on real Connections over
 * fake sockets whose buffer grows with what is written and empties only when their client reads.
 * The real-socket case (clients that stop reading, on loopback) is
 * test/integration/hardening/buffer-budget.test.ts.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/server/metrics/metrics.js';
import { BufferBudget, defaultBufferBudget, SHED_SLACK } from '../../../src/server/realtime/buffer-budget.js';
import { Connection } from '../../../src/server/realtime/connection.js';
import { parsePrometheus, sample } from '../../helpers/prometheus.js';
import { authOf } from './socket-fakes.js';

const KIB = 1024;

/**
 * A socket whose client reads nothing until `read()`: each frame written stays in its buffer.
 * (A Connection writes only while its socket holds at most 256 KiB: HIGH_WATER_BYTES.)
 */
interface FakeSocket {
  bufferedAmount: number;
  readyState: number;
  gets: number;
  send(text: string): void;
  /** The client reads everything buffered. */
  read(): void;
}

function fakeSocket(): FakeSocket {
  let buffered = 0;
  const s = {
    gets: 0,
    readyState: 1,
    get bufferedAmount() {
      s.gets++;
      return buffered;
    },
    set bufferedAmount(n: number) {
      buffered = n;
    },
    send: (text: string) => void (buffered += Buffer.byteLength(text)),
    read: () => void (buffered = 0),
  };
  return s;
}

const turn = () => new Promise((r) => setImmediate(r));

describe('BufferBudget', () => {
  let budget: BufferBudget | null = null;
  afterEach(() => budget?.stop());

  function setup(limit: number) {
    const shed: Connection[] = [];
    const lines: Array<Record<string, number>> = [];
    const log = { warn: (obj: Record<string, number>) => lines.push(obj) } as unknown as FastifyBaseLogger;
    const metrics = new Metrics();
    budget = new BufferBudget({
      limit,
      shed: (c) => {
        shed.push(c);
        c.closeCode = 1013;
      },
      onShed: () => metrics.bufferBudgetShed(),
      log,
    });
    metrics.watchBuffers(budget);
    const b = budget;
    let n = 0;
    /** A registered socket; `write(bytes)` sends it one frame of about that size. */
    const socket = () => {
      const s = fakeSocket();
      const c = new Connection(`c${++n}`, authOf(n), s as unknown as WebSocket, 0, null, b);
      const write = (bytes: number) => {
        c.enqueue(JSON.stringify({ type: 'status_update', pad: 'x'.repeat(Math.max(0, bytes - 40)) }));
        expect(c.flush(0)).toBe('sent');
      };
      return { s, c, write };
    };
    const read = async () => parsePrometheus(await metrics.registry.metrics());
    return { budget: b, shed, lines, socket, read };
  }

  it('keeps the sum as writes go, and learns at its sweep what sockets read meanwhile', () => {
    const { budget, socket } = setup(10 * 1024 * KIB);
    const a = socket();
    const b = socket();
    a.write(100 * KIB);
    b.write(50 * KIB);
    a.write(20 * KIB);
    expect(budget.buffered).toBe(a.s.bufferedAmount + b.s.bufferedAmount);
    expect(budget.buffered).toBeGreaterThan(170 * KIB);
    expect(budget.holders).toBe(2);
    // `a`'s client reads everything: nothing tells the server but the sweep.
    a.s.read();
    budget.sweep();
    expect(budget.buffered).toBe(b.s.bufferedAmount);
    expect(budget.holders).toBe(1);
    // A socket that closes takes its bytes with it.
    budget.forget(b.c);
    expect(budget.buffered).toBe(0);
    expect(budget.holders).toBe(0);
  });

  it('costs a socket that reads one read of its buffer per write, and no place among the holders', () => {
    const { budget, socket } = setup(1024 * KIB);
    const a = socket();
    const held = budget.held.bind(budget);
    let told = 0;
    budget.held = (c, bytes) => {
      told++;
      held(c, bytes);
    };
    for (let i = 0; i < 100; i++) {
      a.write(200);
      a.s.read(); // the kernel took it at once
    }
    // The frames are written to the fake by ws.send (it has no TCP socket): read once each.
    expect(a.s.gets).toBe(100 + 100); // flush's own check before writing, and the budget's after
    expect(told).toBe(100); // each write left 200 bytes until the client read them here
    budget.sweep(); // and its last read is learnt here
    expect(budget.holders).toBe(0);
    const b = socket();
    b.s.send = () => {}; // a socket whose kernel takes every frame: nothing ever buffered
    told = 0;
    for (let i = 0; i < 100; i++) b.write(200);
    expect(told).toBe(0);
    expect(budget.holders).toBe(0);
    expect(budget.buffered).toBe(0);
  });

  it('past the budget, closes the largest holders that read nothing, until the sum is back under it', async () => {
    const { budget, shed, socket, read } = setup(1024 * KIB);
    const [a, b, c, d, e] = Array.from({ length: 5 }, () => socket());
    a!.write(230 * KIB);
    b!.write(250 * KIB);
    c!.write(210 * KIB);
    d!.write(240 * KIB);
    // Two sweeps: their clients read nothing between them.
    budget.sweep();
    budget.sweep();
    expect(shed).toEqual([]);
    // Over the budget by 126 KiB: the largest go first, as many as it takes to be SHED_SLACK under it.
    e!.write(220 * KIB);
    expect(budget.buffered).toBeGreaterThan(1024 * KIB);
    await turn();
    expect(shed).toEqual([b!.c, d!.c]);
    expect(budget.buffered - b!.s.bufferedAmount - d!.s.bufferedAmount).toBeLessThan(1024 * KIB * (1 - SHED_SLACK));
    expect(sample(await read(), 'beacon_ws_buffer_budget_closes_total')).toBe(2);
    // Those shed hold their bytes until their connections are gone, and shed nobody else meanwhile.
    c!.write(300 * KIB);
    expect(budget.buffered).toBeGreaterThan(1024 * KIB);
    await turn();
    budget.sweep();
    expect(shed).toEqual([b!.c, d!.c]);
    budget.forget(b!.c);
    budget.forget(d!.c);
    const m = await read();
    expect(sample(m, 'beacon_ws_buffered_bytes')).toBe(a!.s.bufferedAmount + c!.s.bufferedAmount + e!.s.bufferedAmount);
    expect(sample(m, 'beacon_ws_buffer_budget_bytes')).toBe(1024 * KIB);
  });

  it('never closes a socket that reads, however much it holds: only those seen reading nothing over a whole sweep', async () => {
    const { budget, shed, socket } = setup(1024 * KIB);
    const reader = socket();
    const stuck = socket();
    stuck.write(200 * KIB);
    budget.sweep();
    // A large `ready` on a slow link: the reader holds the most, and reads it a part at a time.
    reader.write(900 * KIB);
    await turn();
    budget.sweep();
    expect(shed).toEqual([stuck.c]); // the only socket seen reading nothing
    reader.s.bufferedAmount = 700 * KIB;
    budget.sweep();
    // Its feed outruns its link: what it holds grows, but it was seen reading before the write.
    reader.s.bufferedAmount = 200 * KIB;
    reader.write(600 * KIB);
    await turn();
    budget.sweep();
    expect(shed).toEqual([stuck.c]);
    // A socket that has just begun to hold bytes is not judged before a whole sweep has passed.
    const fresh = socket();
    fresh.write(2048 * KIB);
    await turn();
    expect(shed).toEqual([stuck.c]);
    reader.s.bufferedAmount -= 100 * KIB;
    budget.sweep();
    expect(shed).toEqual([stuck.c]);
    // It read nothing over a sweep: now it is shed; the reader, still reading, is not.
    reader.s.bufferedAmount -= 100 * KIB;
    budget.sweep();
    expect(shed).toEqual([stuck.c, fresh.c]);
  });

  it('leaves sockets closed otherwise (hard cap, the client) to go, without shedding others for their bytes', async () => {
    const { budget, shed, socket } = setup(1024 * KIB);
    const closing = socket();
    const other = socket();
    closing.write(700 * KIB);
    other.write(200 * KIB);
    budget.sweep();
    budget.sweep();
    closing.c.closeCode = 1013; // closed past the hard cap; gone in a moment
    other.write(200 * KIB);
    expect(budget.buffered).toBeGreaterThan(1024 * KIB);
    await turn();
    budget.sweep();
    expect(shed).toEqual([]);
    // Gone without its close reaching the gateway yet: the sweep lets go of it.
    closing.s.readyState = 3;
    budget.sweep();
    expect(budget.buffered).toBe(other.s.bufferedAmount);
    expect(budget.holders).toBe(1);
  });

  it('logs what it shed once a sweep (at most a line a second), with counts', async () => {
    const { budget, lines, socket } = setup(1024 * KIB);
    const conns = Array.from({ length: 5 }, () => socket());
    for (const x of conns) x.write(250 * KIB);
    budget.sweep();
    budget.sweep(); // over the budget, all five read nothing: two are shed, and logged
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ shed: 2, budget: 1024 * KIB });
    expect(lines[0]!['shedBytes']).toBeGreaterThanOrEqual(500 * KIB);
    // Sheds between sweeps wait for the next one.
    conns[2]!.write(200 * KIB);
    conns[3]!.write(200 * KIB);
    await turn();
    expect(lines).toHaveLength(1);
    budget.sweep();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ shed: 1 });
    // Nothing shed: nothing said.
    budget.sweep();
    expect(lines).toHaveLength(2);
  });

  it('defaults to an eighth of the memory the process may use and at most a quarter of the heap limit, within 16 MiB and 1 GiB', () => {
    const MIB = 1024 * KIB;
    const HEAP = 4096 * MIB; // Node's default on a large machine
    expect(defaultBufferBudget(2048 * MIB, HEAP)).toBe(256 * MIB);
    expect(defaultBufferBudget(64 * MIB, HEAP)).toBe(16 * MIB);
    expect(defaultBufferBudget(64 * 1024 * MIB, HEAP)).toBe(1024 * MIB);
    // --max-old-space-size=512 on a large machine: the heap is the bound.
    expect(defaultBufferBudget(16 * 1024 * MIB, 560 * MIB)).toBe(140 * MIB);
  });
});
