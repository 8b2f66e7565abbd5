/**
 * Outside audit of the gateway: sockets the server closed for breaking the protocol (a frame
 * over 16 KiB, invalid UTF-8, an unmasked frame) or for reading nothing (1013) were logged and
 * counted as 1006 "dropped". After a protocol error ws reads no more, and a client that reads
 * nothing never answers the close, so the `close` event never saw the client's close frame.
 * The log line and beacon_ws_closes_total now carry the code the server sent.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { parsePrometheus, sample } from '../helpers/prometheus.js';
import type { TestSocket } from '../helpers/ws-client.js';
import { HARD_CAP_BYTES } from '../../src/server/realtime/connection.js';

const TOKEN = 'metrics-token-0123456789';

describe('close codes the server sends, in the log and the metrics', () => {
  let t: LiveApp;
  let alice: { token: string; id: number };
  let info: { mock: { calls: unknown[][] } };
  beforeEach(async () => {
    t = await startLiveApp({ metricsToken: TOKEN });
    alice = await t.register('alice');
    info = vi.spyOn(t.app.services.log, 'info');
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  /** The codes of the `socket closed` lines logged so far. */
  const closedCodes = () => info.mock.calls.filter((c: unknown[]) => c[1] === 'socket closed').map((c: unknown[]) => (c[0] as { code: number }).code);

  /** Waits for Alice's socket's `socket closed` line; answers its code and the closes counted with it. */
  async function reported(): Promise<{ logged: number; counted: number }> {
    await vi.waitFor(() => expect(closedCodes()).toHaveLength(1), { timeout: 3000 });
    const logged = closedCodes()[0]!;
    const res = await fetch(`${t.url}/metrics`, { headers: bearer(TOKEN) });
    const counted = sample(parsePrometheus(await res.text()), `beacon_ws_closes_total{code="${logged}"}`);
    return { logged, counted };
  }

  const connected = async (): Promise<TestSocket> => (await t.connect(alice.token)).socket;

  it('a frame over 16 KiB: 1009', async () => {
    const a = await connected();
    a.ws.send('x'.repeat(16 * 1024 + 1));
    expect(await reported()).toEqual({ logged: 1009, counted: 1 });
  });

  it('a text frame that is not UTF-8: 1007', async () => {
    const a = await connected();
    a.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await reported()).toEqual({ logged: 1007, counted: 1 });
  });

  it('an unmasked client frame: 1002', async () => {
    const a = await connected();
    a.ws.send(JSON.stringify({ type: 'heartbeat' }), { mask: false });
    expect(await reported()).toEqual({ logged: 1002, counted: 1 });
  });

  it('a client that reads nothing (slow consumer): 1013, though it never answers the close', async () => {
    const a = await connected();
    a.ws.pause();
    // Its socket backed up past the hard cap (filling loopback's buffers for real takes many MiB).
    const conn = t.app.gateway.registry.connsOf(alice.id)![0]!;
    Object.defineProperty(conn.socket, 'bufferedAmount', { get: () => HARD_CAP_BYTES + 1 });
    a.send({ type: 'heartbeat' });
    await vi.waitFor(() => expect(conn.socket.readyState).toBe(conn.socket.CLOSING), { timeout: 3000 });
    // The client is gone without reading the close: no close frame ever comes back.
    a.ws.terminate();
    expect(await reported()).toEqual({ logged: 1013, counted: 1 });
  });

  it('a close the client starts: its own code, as before', async () => {
    const a = await connected();
    a.ws.close(1000);
    expect(await reported()).toEqual({ logged: 1000, counted: 1 });
  });
});
