/**
 * Finding (earlier stops, left open): each socket may hold ~256 KiB of frames its client has not
 * read, and nothing bounded the sum over all sockets: accounts whose sockets never read, with a
 * friend changing status, made one instance hold 0.5–1 GB from one address, and more from
 * several, until it ran out of memory and every user lost presence. Now past the instance's
 * budget (BEACON_WS_BUFFER_BUDGET_BYTES) the largest holders among sockets that read nothing are
 * closed with 1013 and their connections dropped within seconds; a socket that reads is never.
 *
 * Real sockets on loopback: the clients that read nothing have paused their TCP socket, so the
 * kernel's buffers fill (~4 MB each on loopback) and then the server's. Which holder goes first,
 * and the accounting, are in test/unit/realtime/buffer-budget.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearer } from '../../helpers/app.js';
import { liveUsers, type LiveApp } from '../../helpers/live-app.js';
import { parsePrometheus, sample } from '../../helpers/prometheus.js';
import type { TestSocket } from '../../helpers/ws-client.js';

const KIB = 1024;
const BUDGET = 1024 * KIB;
const TOKEN = 'metrics-token-0123456789';
/** Sockets of one account whose client reads nothing: each can hold ~256 KiB, twice the budget in all. */
const NOT_READING = 8;
/** A message of 128 characters, 384 bytes: Frank's changes are ~0.5 KB frames. */
const MESSAGE = '€'.repeat(120);
/** The budget's sweep (1 s) has to see a socket read nothing over a whole sweep: allow a few. */
const SHED_WITHIN_MS = 15_000;

describe('the instance budget on bytes buffered for sockets that do not read', () => {
  let t: LiveApp | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it('closes holders that read nothing with 1013 until under budget, counts and logs it, and the socket that reads keeps receiving', async () => {
    const u = await liveUsers({ wsBufferBudgetBytes: BUDGET, metricsToken: TOKEN }, ['frank', 'mallory', 'bob'], {
      friends: [
        ['frank', 'mallory'],
        ['frank', 'bob'],
      ],
    });
    t = u.t;
    const live = t;
    const { frank, mallory, bob } = u;
    const warn = vi.spyOn(live.app.services.log, 'warn');
    const stuck: TestSocket[] = [];
    for (let i = 0; i < NOT_READING; i++) stuck.push((await live.connect(mallory.token)).socket);
    const reader = (await live.connect(bob.token)).socket;
    await live.connect(frank.token); // online, so that his friends see his changes
    for (const s of stuck) s.ws.pause();
    const conns = [...live.app.gateway.registry.connsOf(mallory.id)!];
    expect(conns).toHaveLength(NOT_READING);
    const readerConn = live.app.gateway.registry.connsOf(bob.id)![0]!;

    // Frank's changes stream in, a hundred per event-loop turn until the sockets are backed up
    // past the budget, then ten every 20 ms, until the budget sheds.
    let n = 0;
    const shed = () => conns.filter((c) => c.closeCode === 1013);
    const started = Date.now();
    let peak = 0;
    while (shed().length === 0 && Date.now() - started < SHED_WITHIN_MS) {
      const over = peak > BUDGET;
      for (let i = 0; i < (over ? 10 : 100); i++) await live.app.services.presence.setStatus(frank.id, { status: n % 2 ? 'online' : 'away', custom_message: `${n++}${MESSAGE}` });
      await new Promise((r) => setTimeout(r, over ? 20 : 0));
      peak = Math.max(peak, conns.reduce((sum, c) => sum + c.socket.bufferedAmount, 0));
    }
    expect(shed().length, `${n} changes, ${peak} bytes held at most`).toBeGreaterThan(0);
    // Over the budget, though no socket came near its own limits (4 MiB, or 30 s above 256 KiB).
    expect(peak).toBeGreaterThan(BUDGET);
    // Enough to be back under budget, not every one of them.
    expect(shed().length).toBeLessThan(NOT_READING);
    const kept = conns.filter((c) => c.closeCode === 0);
    expect(kept.reduce((sum, c) => sum + c.socket.bufferedAmount, 0)).toBeLessThanOrEqual(BUDGET);
    // The shed connections are dropped within seconds (not ws's 30 s closing handshake), their bytes with them.
    await vi.waitFor(() => expect(live.app.gateway.registry.connsOf(mallory.id)).toHaveLength(kept.length), { timeout: 7_000, interval: 100 });

    // The reader was never shed and still gets Frank's changes.
    expect(readerConn.closeCode).toBe(0);
    expect(reader.closed).toBeNull();
    await live.app.services.presence.setStatus(frank.id, { status: 'busy', custom_message: 'done' });
    await reader.next((f) => f.type === 'friend_status_change' && f['custom_message'] === 'done', { from: 0, timeoutMs: 5_000 });
    expect(reader.closed).toBeNull();

    const m = parsePrometheus(await (await fetch(`${live.url}/metrics`, { headers: bearer(TOKEN) })).text());
    expect(sample(m, 'beacon_ws_buffer_budget_closes_total')).toBe(shed().length);
    expect(sample(m, 'beacon_ws_closes_total{code="1013"}')).toBe(shed().length);
    expect(sample(m, 'beacon_ws_buffered_bytes')).toBeLessThanOrEqual(BUDGET);
    expect(sample(m, 'beacon_ws_buffer_budget_bytes')).toBe(BUDGET);
    const lines = warn.mock.calls.filter((c) => String(c[1]).includes('BEACON_WS_BUFFER_BUDGET_BYTES'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.reduce((sum, c) => sum + (c[0] as { shed: number }).shed, 0)).toBe(shed().length);
  }, 40_000);
});
