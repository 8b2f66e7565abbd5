/** The SDK's small seams: socket URL, global lookups, input listeners and the event emitter. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../../src/client/emitter.js';
import { attachIdleDetection, INPUT_EVENTS, InteractionGate } from '../../../src/client/idle.js';
import { defaultTimers, globalWebSocket, normalizeBaseUrl, statusSocketUrl } from '../../../src/client/transport.js';
import { FakeWebSocket } from './fake-server.js';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('transport', () => {
  it('strips every trailing slash, and only trailing ones', () => {
    expect(normalizeBaseUrl('http://a.test///')).toBe('http://a.test');
    expect(normalizeBaseUrl('http://a.test/beacon/')).toBe('http://a.test/beacon');
    expect(normalizeBaseUrl('')).toBe('');
  });

  it('maps http to ws and https to wss, keeping any other scheme', () => {
    expect(statusSocketUrl('http://a.test:8080')).toBe('ws://a.test:8080/ws/status');
    expect(statusSocketUrl('https://a.test//')).toBe('wss://a.test/ws/status');
    expect(statusSocketUrl('ws://a.test')).toBe('ws://a.test/ws/status');
  });

  it("an empty base means the page's own origin", () => {
    vi.stubGlobal('location', { origin: 'https://pong.example' });
    expect(statusSocketUrl('')).toBe('wss://pong.example/ws/status');
    expect(statusSocketUrl('http://other.test')).toBe('ws://other.test/ws/status');
  });

  it('resolves a base relative to the page against the page, as fetch does, for REST and the socket alike', () => {
    // A page under the host's own proxy prefix, Beacon beside it: https://site.test/pong/beacon.
    vi.stubGlobal('location', new URL('https://site.test/pong/tournaments'));
    expect(normalizeBaseUrl('beacon/')).toBe('https://site.test/pong/beacon');
    expect(normalizeBaseUrl('./beacon')).toBe('https://site.test/pong/beacon');
    expect(normalizeBaseUrl('../beacon')).toBe('https://site.test/beacon');
    expect(statusSocketUrl('beacon')).toBe('wss://site.test/pong/beacon/ws/status');
    // A path from the root, an empty base and a full URL are as given.
    expect(normalizeBaseUrl('/beacon/')).toBe('/beacon');
    expect(normalizeBaseUrl('')).toBe('');
    expect(normalizeBaseUrl('http://b.test/x/')).toBe('http://b.test/x');
  });

  it('keeps a path prefix, given with an origin or as a path of the page\'s origin', () => {
    expect(statusSocketUrl('https://site.test/beacon/')).toBe('wss://site.test/beacon/ws/status');
    expect(statusSocketUrl('https://site.test/beacon/', true)).toBe('wss://site.test/beacon/ws/status?reconnect=1');
    vi.stubGlobal('location', { origin: 'http://pong.example:8080' });
    expect(statusSocketUrl('/beacon')).toBe('ws://pong.example:8080/beacon/ws/status');
    expect(statusSocketUrl('/a/b//')).toBe('ws://pong.example:8080/a/b/ws/status');
  });

  it('finds the global WebSocket only when there is a constructor', () => {
    vi.stubGlobal('WebSocket', FakeWebSocket);
    expect(globalWebSocket()).toBe(FakeWebSocket);
    vi.stubGlobal('WebSocket', { not: 'a constructor' });
    expect(globalWebSocket()).toBeUndefined();
    vi.stubGlobal('WebSocket', undefined);
    expect(globalWebSocket()).toBeUndefined();
  });

  it('default timers are the global ones, looked up at call time', () => {
    vi.useFakeTimers({ now: 1_000 });
    const fn = vi.fn();
    const t = defaultTimers.setTimeout(fn, 10);
    defaultTimers.clearTimeout(t);
    const i = defaultTimers.setInterval(fn, 10);
    vi.advanceTimersByTime(25);
    expect(fn).toHaveBeenCalledTimes(2);
    defaultTimers.clearInterval(i);
    vi.advanceTimersByTime(100);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(defaultTimers.now()).toBe(1_125);
  });
});

describe('idle detection', () => {
  /** Records listeners with their options, like a document would hold them. */
  function recordingTarget(visibilityState?: DocumentVisibilityState) {
    const listeners = new Map<string, { fn: () => void; opts: unknown }>();
    return {
      visibilityState,
      listeners,
      addEventListener: (type: string, fn: () => void, opts?: unknown) => void listeners.set(type, { fn, opts }),
      removeEventListener: (type: string, fn: () => void, opts?: { capture?: boolean }) => {
        // Like the DOM: removal needs the same function and the same capture flag.
        if (listeners.get(type)?.fn === fn && opts?.capture === true) listeners.delete(type);
      },
      fire: (type: string) => listeners.get(type)?.fn(),
    };
  }

  it('listens passively on the capture phase, so a page cannot hide input or be slowed by it', () => {
    const target = recordingTarget('visible');
    attachIdleDetection(target, () => undefined);
    expect([...target.listeners.keys()].sort()).toEqual([...INPUT_EVENTS].sort());
    for (const { opts } of target.listeners.values()) expect(opts).toEqual({ capture: true, passive: true });
  });

  it('detaching removes every listener', () => {
    const target = recordingTarget('visible');
    const detach = attachIdleDetection(target, () => undefined);
    detach();
    expect([...target.listeners.keys()]).toEqual([]);
  });

  it('only real input counts: a page becoming visible is not a person', () => {
    const onActivity = vi.fn();
    const target = recordingTarget('visible');
    attachIdleDetection(target, onActivity);
    target.fire('visibilitychange');
    expect(onActivity).not.toHaveBeenCalled();
    target.fire('keydown');
    expect(onActivity).toHaveBeenCalledTimes(1);
  });

  it('the interaction gate starts with no probe pending and lets the first interaction through', () => {
    const gate = new InteractionGate(10_000);
    expect(gate.probePending).toBe(false);
    expect(gate.shouldSend(0)).toBe(true);
    gate.sent(0);
    expect(gate.shouldSend(9_999)).toBe(false);
    gate.probe();
    expect(gate.probePending).toBe(true);
    expect(gate.shouldSend(1)).toBe(true);
    gate.sent(1);
    expect(gate.probePending).toBe(false);
    expect(gate.shouldSend(10_000)).toBe(false);
    expect(gate.shouldSend(10_001)).toBe(true);
  });
});

describe('Emitter', () => {
  type Events = { a: number; b: string };

  it('calls every listener of a type in order, and only of that type', () => {
    const e = new Emitter<Events>();
    const log: string[] = [];
    e.on('a', (n) => log.push(`first ${n}`));
    e.on('a', (n) => log.push(`second ${n}`));
    e.on('b', (s) => log.push(`b ${s}`));
    e.emit('a', 1);
    expect(log).toEqual(['first 1', 'second 1']);
  });

  it('unsubscribing one listener keeps the others, even during dispatch', () => {
    const e = new Emitter<Events>();
    const log: string[] = [];
    const offFirst = e.on('a', () => {
      log.push('first');
      offFirst();
    });
    const offSecond = e.on('a', () => log.push('second'));
    e.emit('a', 1);
    e.emit('a', 2);
    expect(log).toEqual(['first', 'second', 'second']);
    offSecond();
    e.emit('a', 3);
    expect(log).toHaveLength(3);
  });

  it('clear() drops every listener', () => {
    const e = new Emitter<Events>();
    const fn = vi.fn();
    e.on('a', fn);
    e.clear();
    e.emit('a', 1);
    expect(fn).not.toHaveBeenCalled();
  });

  it('a throwing listener is reported with its event name and does not stop the next one', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const e = new Emitter<Events>();
    const boom = new Error('app bug');
    const next = vi.fn();
    e.on('b', () => {
      throw boom;
    });
    e.on('b', next);
    e.emit('b', 'x');
    expect(next).toHaveBeenCalledWith('x');
    expect(error).toHaveBeenCalledWith('[beacon] "b" listener threw', boom);
  });
});
