/**
 * TestSocket.settled(), the barrier behind "nothing (more) came" checks: every frame the server
 * queued for the socket before it lands before the barrier's answer, also the events that wait
 * in the Batcher, which a single heartbeat round trip overtakes (its ack is written at once).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NotificationPayload } from '../../src/protocol/index.js';
import { liveUsers, type LiveApp } from '../helpers/live-app.js';
import type { Frame } from '../helpers/ws-client.js';

/** A notification of the test's own (notify() queues it for the user's sockets in the same turn, through the Batcher). */
const notice = (marker: string) => ({ type: 'test_barrier', marker }) as unknown as NotificationPayload;
const isNotice = (marker: string) => (f: Frame) => f.type === 'test_barrier' && f.marker === marker;
const isAck = (f: Frame) => f.type === 'heartbeat_ack';

describe('TestSocket.settled()', () => {
  let t: LiveApp;
  afterEach(() => t.close());

  it('lands an event queued in the turn that reads its first heartbeat before its answer, though that heartbeat’s ack overtakes the event', async () => {
    const { t: app, alice } = await liveUsers({}, ['alice']);
    t = app;
    const { socket } = await t.connect(alice.token);
    const [conn] = t.app.gateway.registry.connsOf(alice.id)!;
    // Just before the gateway reads the barrier's first heartbeat, in the same turn, an event is queued for the socket.
    conn!.socket.prependOnceListener('message', () => t.app.services.presence.notify(alice.id, notice('same turn')));
    const from = socket.mark();
    const answer = await socket.settled();
    const event = socket.frames.findIndex(isNotice('same turn'));
    expect(event).toBeGreaterThanOrEqual(from);
    expect(event).toBeLessThan(answer);
    // What the barrier is for: its first ack came before the event (sent at once, the event at the end of the turn).
    expect(socket.raw.findIndex(isAck)).toBeLessThan(socket.raw.findIndex(isNotice('same turn')));
    // Its own acks are not among the frames a test reads.
    expect(socket.frames.filter(isAck)).toEqual([]);
  });

  it("lands a busy socket's event, waiting for the batch window, before its answer, though a heartbeat sent after the event is answered first", async () => {
    const WINDOW_MS = 1000;
    // A fake clock that does not move: once the socket had its burst (one frame), the window never ends and every event waits for the window's timer.
    const { t: app, alice } = await liveUsers({ batchWindowMs: WINDOW_MS, batchBurstFrames: 1 }, ['alice']);
    t = app;
    const { socket } = await t.connect(alice.token);
    await socket.after(() => t.app.services.presence.notify(alice.id, notice('burst')), isNotice('burst'));
    const from = socket.mark();
    t.app.services.presence.notify(alice.id, notice('windowed'));
    const ack = await socket.after(() => socket.send({ type: 'heartbeat' }), isAck);
    const answer = await socket.settled({ batchWindowMs: WINDOW_MS });
    const event = socket.frames.findIndex(isNotice('windowed'));
    expect(event).toBeGreaterThanOrEqual(from);
    expect(event).toBeLessThan(answer);
    // What the barrier is for: the plain round trip's ack came before the event.
    expect(socket.frames.indexOf(ack)).toBeLessThan(event);
  });

  it("waits for its own heartbeats' acks, not for those of heartbeats sent before it and still unanswered", async () => {
    const { t: app, alice } = await liveUsers({}, ['alice']);
    t = app;
    // Frames land 100 ms after they arrive (ws-client.ts): the acks of the two heartbeats sent before the barrier land while it waits.
    const was = process.env.BEACON_TEST_FRAME_DELAY_MS;
    process.env.BEACON_TEST_FRAME_DELAY_MS = '100';
    let socket;
    try {
      ({ socket } = await t.connect(alice.token));
    } finally {
      if (was === undefined) delete process.env.BEACON_TEST_FRAME_DELAY_MS;
      else process.env.BEACON_TEST_FRAME_DELAY_MS = was;
    }
    socket.send({ type: 'heartbeat' });
    socket.send({ type: 'heartbeat' });
    const answer = await socket.settled();
    // Four heartbeats, four acks landed: the barrier's two last, the test's two among its frames, before the answer.
    expect(socket.raw.filter(isAck)).toHaveLength(4);
    expect(socket.frames.map((f, i) => [f.type, i < answer])).toEqual([
      ['ready', true],
      ['heartbeat_ack', true],
      ['heartbeat_ack', true],
    ]);
  });
});
