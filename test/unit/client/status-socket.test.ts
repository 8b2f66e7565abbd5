/**
 * One `/ws/status` attempt on its own: what it delivers, what it ignores, when it gives up,
 * and that it reports its end exactly once. Timers are fakes moved by hand.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventFrame, ReadyFrame } from '../../../src/protocol/index.js';
import { ABNORMAL_CLOSURE, DEFAULT_HEARTBEAT_INTERVAL_MS, StatusSocket } from '../../../src/client/status-socket.js';
import { defaultTimers } from '../../../src/client/transport.js';
import { FakeWebSocket, ME, readyFrame, TOKEN, useFakeClock } from './fake-server.js';

const CONNECT_TIMEOUT_MS = 10_000;

function attempt(opts: { throwOnConstruct?: boolean } = {}) {
  const sockets: FakeWebSocket[] = [];
  class WS extends FakeWebSocket {
    constructor(url: string) {
      if (opts.throwOnConstruct) throw new SyntaxError('bad url');
      super(url);
      sockets.push(this);
    }
  }
  const log: string[] = [];
  const events: EventFrame[] = [];
  const readies: ReadyFrame[] = [];
  const closes: Array<[number, boolean]> = [];
  /** The `seq` of each event delivered as following lost ones (`afterGap`). */
  const afterGap: Array<number | undefined> = [];
  const handlers = {
    onReady: (f: ReadyFrame) => void readies.push(f),
    onEvent: (f: EventFrame, gap: boolean) => {
      events.push(f);
      if (gap) afterGap.push(f.seq);
      log.push(`event ${f.seq ?? '-'}`);
    },
    onGap: () => void log.push('gap'),
    onClose: (code: number, reachedReady: boolean) => void closes.push([code, reachedReady]),
  };
  const socket = new StatusSocket({ url: 'ws://beacon.test/ws/status', token: TOKEN, WebSocketImpl: WS, timers: defaultTimers, connectTimeoutMs: CONNECT_TIMEOUT_MS, handlers });
  const ws = () => {
    const s = sockets[0];
    if (!s) throw new Error('no socket');
    return s;
  };
  const ready = (extra: Parameters<typeof readyFrame>[1] = {}) => {
    ws().open();
    ws().receive(readyFrame([], extra));
  };
  return { socket, ws, ready, handlers, log, events, readies, closes, afterGap };
}

const ev = (seq: number | undefined, type = 'are_you_there') => (seq === undefined ? { type } : { seq, type });

beforeEach(useFakeClock);
afterEach(() => void vi.useRealTimers());

describe('StatusSocket handshake', () => {
  it('sends auth as the first frame once open, and nothing else can be sent before ready', () => {
    const a = attempt();
    expect(a.socket.send({ type: 'interaction' })).toBe(false);
    a.ws().open();
    expect(a.ws().sent).toEqual([{ type: 'auth', token: TOKEN }]);
    expect(a.socket.ready).toBe(false);
    expect(a.socket.send({ type: 'interaction' })).toBe(false);
    a.ws().receive(readyFrame([]));
    expect(a.socket.ready).toBe(true);
    expect(a.socket.send({ type: 'interaction' })).toBe(true);
    expect(a.ws().sentOfType('interaction')).toHaveLength(1);
    expect(a.readies).toHaveLength(1);
  });

  it('ignores a malformed or repeated ready, and times out when no valid one comes', () => {
    const a = attempt();
    a.ws().open();
    a.ws().receive(JSON.stringify({ type: 'ready', friends: 'nope', self: ME }));
    a.ws().receive(JSON.stringify({ type: 'ready', friends: [] }));
    a.ws().receive(JSON.stringify({ type: 'ready', friends: [], self: { user_id: '1' } }));
    expect(a.readies).toEqual([]);
    vi.advanceTimersByTime(CONNECT_TIMEOUT_MS - 1);
    expect(a.closes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(a.closes).toEqual([[ABNORMAL_CLOSURE, false]]);
    expect(a.ws().closedByClient).toBe(1000);
  });

  it('a ready cancels the connect timeout; a second ready is ignored', () => {
    const a = attempt();
    a.ready();
    a.ws().receive(readyFrame([]));
    expect(a.readies).toHaveLength(1);
    for (let t = 0; t < CONNECT_TIMEOUT_MS * 2; t += 5_000) {
      vi.advanceTimersByTime(5_000);
      a.ws().receive({ type: 'heartbeat_ack' });
    }
    expect(a.closes).toEqual([]);
    expect(a.socket.ready).toBe(true);
  });

  it('reports a WebSocket that cannot even be constructed as an abnormal close, asynchronously', () => {
    const a = attempt({ throwOnConstruct: true });
    expect(a.closes).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(a.closes).toEqual([[ABNORMAL_CLOSURE, false]]);
    vi.advanceTimersByTime(CONNECT_TIMEOUT_MS);
    expect(a.closes).toHaveLength(1);
  });
});

describe('StatusSocket events', () => {
  it('delivers events in order, drops duplicates by seq, and reports a gap once', () => {
    const a = attempt();
    a.ready();
    a.ws().receive(ev(1));
    a.ws().receive(ev(1));
    a.ws().receive(ev(2));
    a.ws().receive(ev(4));
    a.ws().receive(ev(3));
    a.ws().receive(ev(undefined, 'heartbeat_ack'));
    a.ws().receive(ev(5));
    expect(a.log).toEqual(['event 1', 'event 2', 'event 4', 'gap', 'event -', 'event 5']);
  });

  it('a frame without seq in between does not hide a gap', () => {
    const a = attempt();
    a.ready();
    a.ws().receive(ev(1));
    a.ws().receive(ev(undefined, 'heartbeat_ack'));
    a.ws().receive(ev(3));
    expect(a.log).toEqual(['event 1', 'event -', 'event 3', 'gap']);
  });

  it('marks the event that follows lost ones (afterGap), alone or in a batch, before the gap report', () => {
    const a = attempt();
    a.ready();
    a.ws().receive(ev(1));
    a.ws().receive(ev(3));
    expect(a.afterGap).toEqual([3]);
    a.ws().receive(JSON.stringify({ type: 'batch', messages: [ev(4), ev(6), ev(7), ev(9)] }));
    expect(a.afterGap).toEqual([3, 6, 9]);
    expect(a.log.slice(-5)).toEqual(['event 4', 'event 6', 'event 7', 'event 9', 'gap']);
  });

  it('unwraps a batch, skipping duplicates and non-events, with one gap report after the batch', () => {
    const a = attempt();
    a.ready();
    a.ws().receive(ev(1));
    a.ws().receive(JSON.stringify({ type: 'batch', messages: [ev(1), null, 7, { seq: 9 }, ev(3), ev(4), ev(6), ev(7)] }));
    expect(a.log).toEqual(['event 1', 'event 3', 'event 4', 'event 6', 'event 7', 'gap']);
    a.ws().receive(JSON.stringify({ type: 'batch', messages: [ev(8), ev(9)] }));
    expect(a.log.slice(6)).toEqual(['event 8', 'event 9']);
    a.ws().receive(JSON.stringify({ type: 'batch', messages: 'not a list' }));
    a.ws().receive({ type: 'batch' });
    expect(a.log).toHaveLength(8);
  });

  it('ignores garbage without ending the connection: binary data, bad JSON, non-objects, no type', () => {
    const a = attempt();
    a.ready();
    a.ws().onmessage?.({ data: new ArrayBuffer(4) } as MessageEvent);
    for (const raw of ['{oops', 'null', '42', '"text"', '{"seq":3}', '{"type":7}']) expect(() => a.ws().receive(raw)).not.toThrow();
    expect(a.events).toEqual([]);
    expect(a.closes).toEqual([]);
    expect(a.socket.ready).toBe(true);
  });

  it('stops delivering the moment a handler closes it mid-batch, and reports no gap after', () => {
    const a = attempt();
    a.handlers.onEvent = (f) => {
      a.log.push(`event ${f.seq}`);
      if (f.seq === 3) a.socket.close();
    };
    a.ready();
    a.ws().receive(JSON.stringify({ type: 'batch', messages: [ev(3), ev(5), ev(6)] }));
    expect(a.log).toEqual(['event 3']);
  });

  it('an event that ends the socket reports no gap', () => {
    const a = attempt();
    a.handlers.onEvent = () => a.socket.close();
    a.ready();
    a.ws().receive(ev(5));
    expect(a.log).toEqual([]);
  });
});

describe('StatusSocket heartbeat and end', () => {
  it('beats every half interval from ready; a beat not answered within 5 s aborts', () => {
    const a = attempt();
    a.ready({ heartbeat_interval_ms: 25_000 });
    vi.advanceTimersByTime(12_499);
    expect(a.ws().sentOfType('heartbeat')).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(a.ws().sentOfType('heartbeat')).toHaveLength(1);
    // Any frame proves life, not only heartbeat_ack.
    vi.advanceTimersByTime(4_999);
    a.ws().receive(ev(1));
    expect(a.closes).toEqual([]);
    // The next beat (t=25s) starts a new deadline; nothing comes back by t=30s.
    vi.advanceTimersByTime(7_501 + 4_999);
    expect(a.closes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(a.closes).toEqual([[ABNORMAL_CLOSURE, true]]);
    const beats = a.ws().sentOfType('heartbeat').length;
    vi.advanceTimersByTime(100_000);
    expect(a.ws().sentOfType('heartbeat')).toHaveLength(beats);
  });

  it('gives a short interval half of it to answer, so a beat is answered before the next one', () => {
    const a = attempt();
    a.ready({ heartbeat_interval_ms: 6_000 });
    vi.advanceTimersByTime(3_000);
    expect(a.ws().sentOfType('heartbeat')).toHaveLength(1);
    vi.advanceTimersByTime(2_999);
    expect(a.closes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(a.closes).toEqual([[ABNORMAL_CLOSURE, true]]);
  });

  it('falls back to the default interval when ready carries none or a bad one', () => {
    for (const interval of [0, -5, undefined]) {
      const a = attempt();
      a.ws().open();
      a.ws().receive(JSON.stringify({ ...readyFrame([]), heartbeat_interval_ms: interval }));
      vi.advanceTimersByTime(DEFAULT_HEARTBEAT_INTERVAL_MS / 2 - 1);
      expect(a.ws().sentOfType('heartbeat')).toHaveLength(0);
      vi.advanceTimersByTime(1);
      expect(a.ws().sentOfType('heartbeat')).toHaveLength(1);
      a.socket.close();
    }
  });

  it('reports a server close once with its code; a close without a code is abnormal', () => {
    const a = attempt();
    a.ready();
    a.ws().serverClose(4000);
    a.ws().serverClose(4001);
    expect(a.closes).toEqual([[4000, true]]);
    expect(a.socket.ready).toBe(false);
    expect(a.socket.send({ type: 'interaction' })).toBe(false);
    // The socket's own close is not repeated.
    expect(a.ws().closedByClient).toBeNull();

    const b = attempt();
    b.ws().open();
    b.ws().onclose?.({} as CloseEvent);
    expect(b.closes).toEqual([[ABNORMAL_CLOSURE, false]]);
  });

  it('close() ends quietly: socket closed with 1000, no callback, no timers left', () => {
    const a = attempt();
    a.ready();
    a.socket.close();
    a.socket.close();
    expect(a.ws().closedByClient).toBe(1000);
    expect(a.closes).toEqual([]);
    expect(a.socket.ready).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    // Frames arriving after the end are not delivered.
    a.ws().receive(ev(1));
    expect(a.events).toEqual([]);
  });

  it('a send that throws (socket closing under us) reports false instead of throwing', () => {
    const a = attempt();
    a.ready();
    a.ws().send = () => {
      throw new Error('InvalidStateError');
    };
    expect(a.socket.send({ type: 'interaction' })).toBe(false);
  });

  it('does not send once the socket is no longer open', () => {
    const a = attempt();
    a.ready();
    a.ws().readyState = 2;
    expect(a.socket.send({ type: 'interaction' })).toBe(false);
    expect(a.ws().sentOfType('interaction')).toEqual([]);
  });
});
