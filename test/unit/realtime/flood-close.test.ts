/**
 * closeFlood's deadlines, on fake timers: a flooding client's connection is dropped 1 s after the
 * close frame is written out, and at the latest 5 s after the close when the client reads nothing
 * (its backlog never drains). What it still sends is discarded unread. The real-socket cases
 * (a raw TCP client that floods and never answers) are in test/integration/hardening/flood-linger.test.ts.
 */
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeDropping, closeFlood, FLOOD_LINGER_MS } from '../../../src/server/realtime/flood-close.js';

/** ws's TCP socket as closeFlood sees it: its listeners, what is still queued, whether it is gone. */
class FakeTcp extends EventEmitter {
  writableLength = 0;
  destroyed = false;
}

function floodingSocket(queued: number) {
  const tcp = new FakeTcp();
  tcp.writableLength = queued;
  const parsed: Buffer[] = [];
  // ws's receiver: every byte that arrives is parsed.
  tcp.on('data', (b: Buffer) => parsed.push(b));
  const closes: Array<[number, string]> = [];
  let terminatedAt: number | null = null;
  const ws = {
    _socket: tcp,
    close: (code: number, reason: string) => void closes.push([code, reason]),
    terminate: () => {
      terminatedAt ??= Date.now();
      tcp.destroyed = true;
    },
  };
  return { tcp, ws: ws as unknown as WebSocket, parsed, closes, terminatedAt: () => terminatedAt };
}

describe('closeFlood', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 0 }));
  afterEach(() => void vi.useRealTimers());

  it('sends the close frame, parses nothing more, and drops the connection 1 s after, when nothing is queued', () => {
    const s = floodingSocket(0);
    closeFlood(s.ws, 4429, 'rate limited');
    expect(s.closes).toEqual([[4429, 'rate limited']]);
    s.tcp.emit('data', Buffer.from('more frames'));
    expect(s.parsed).toEqual([]);
    vi.advanceTimersByTime(FLOOD_LINGER_MS - 1);
    expect(s.terminatedAt()).toBeNull();
    vi.advanceTimersByTime(1);
    expect(s.terminatedAt()).toBe(FLOOD_LINGER_MS);
  });

  it('waits for a backlog to be written out, then 1 s more: a client with frames queued still reads the close', () => {
    const s = floodingSocket(64 * 1024);
    closeFlood(s.ws, 4429, 'rate limited');
    vi.advanceTimersByTime(2_000);
    expect(s.terminatedAt()).toBeNull();
    s.tcp.writableLength = 0;
    s.tcp.emit('drain');
    vi.advanceTimersByTime(FLOOD_LINGER_MS - 1);
    expect(s.terminatedAt()).toBeNull();
    vi.advanceTimersByTime(1);
    expect(s.terminatedAt()).toBe(2_000 + FLOOD_LINGER_MS);
  });

  it('drops a client that reads nothing 5 s after the close, its backlog never written out', () => {
    const s = floodingSocket(4 * 1024 * 1024);
    closeFlood(s.ws, 4429, 'rate limited');
    for (let i = 0; i < 100; i++) s.tcp.emit('data', Buffer.alloc(1024));
    expect(s.parsed).toEqual([]);
    vi.advanceTimersByTime(4_999);
    expect(s.terminatedAt()).toBeNull();
    vi.advanceTimersByTime(1);
    expect(s.terminatedAt()).toBe(5_000);
  });

  it('leaves a connection already gone alone', () => {
    const s = floodingSocket(0);
    s.tcp.destroyed = true;
    closeFlood(s.ws, 4429, 'rate limited');
    vi.advanceTimersByTime(10_000);
    expect(s.terminatedAt()).toBeNull();
    expect(s.closes).toEqual([[4429, 'rate limited']]);
  });
});

describe('closeDropping (a slow consumer: 1013)', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 0 }));
  afterEach(() => void vi.useRealTimers());

  it('drops a client that reads nothing 5 s after the close (not after ws\'s 30 s closing handshake), and goes on reading it meanwhile', () => {
    const s = floodingSocket(300 * 1024);
    closeDropping(s.ws, 1013, 'slow consumer');
    expect(s.closes).toEqual([[1013, 'slow consumer']]);
    // Still read: a slow client that answers the close ends it as usual.
    s.tcp.emit('data', Buffer.from('its close frame'));
    expect(s.parsed).toHaveLength(1);
    vi.advanceTimersByTime(4_999);
    expect(s.terminatedAt()).toBeNull();
    vi.advanceTimersByTime(1);
    expect(s.terminatedAt()).toBe(5_000);
  });

  it('drops one whose backlog was written out 1 s after, when its close frame has reached it', () => {
    const s = floodingSocket(300 * 1024);
    closeDropping(s.ws, 1013, 'slow consumer');
    vi.advanceTimersByTime(500);
    s.tcp.writableLength = 0;
    s.tcp.emit('drain');
    vi.advanceTimersByTime(FLOOD_LINGER_MS);
    expect(s.terminatedAt()).toBe(500 + FLOOD_LINGER_MS);
  });
});
