/** The push queue: bounded concurrency, fair between users, a deadline per push, gone endpoints reported, nothing thrown. */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import webpush from 'web-push';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { MAX_QUEUE_PER_USER, PER_USER_IN_FLIGHT, PushSender } from '../../../src/server/notifications/push-sender.js';
import { DRIP_MS, FLOOD_BYTES, startPushEndpoint, type PushEndpoint } from '../../helpers/push-endpoint.js';

function recordingLog() {
  const lines: Array<{ level: string; obj: unknown; msg: string }> = [];
  const at = (level: string) => (obj: unknown, msg = '') => void lines.push({ level, obj, msg });
  const log = { warn: at('warn'), info: at('info'), error: at('error'), debug: at('debug') } as unknown as FastifyBaseLogger;
  return { log, lines };
}

describe('PushSender', () => {
  let push: PushEndpoint;
  let sender: PushSender | null = null;
  beforeEach(async () => {
    push = await startPushEndpoint();
  });
  afterEach(async () => {
    sender?.close();
    await push.close();
  });

  const make = (over: { concurrency?: number; timeoutMs?: number; allowLocal?: boolean }, gone: string[] = []) => {
    const { log, lines } = recordingLog();
    sender = new PushSender({
      vapid: { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@example.com' },
      concurrency: over.concurrency ?? 4,
      timeoutMs: over.timeoutMs ?? 5000,
      allowLocal: over.allowLocal ?? true,
      ca: push.ca,
      log,
      onGone: async (e) => void gone.push(e),
    });
    return { sender, lines };
  };
  const stored = (name: string) => {
    const s = push.subscription(name);
    return { endpoint: s.endpoint, p256dh: s.keys.p256dh, auth: s.keys.auth };
  };

  it('never has more pushes in flight than its concurrency, and delivers them all', async () => {
    const { sender } = make({ concurrency: 2 });
    const sub = stored('slow');
    push.answer('slow', 201, 100);
    for (let i = 0; i < 6; i++) sender.send(i % 3, sub, JSON.stringify({ i }));
    await sender.idle();
    expect(push.received).toHaveLength(6);
    expect(push.maxInFlight()).toBe(2);
  });

  it('gives up on a push service that does not answer in time, logs it without the endpoint, and goes on', async () => {
    const { sender, lines } = make({ timeoutMs: 200 });
    const hung = stored('hung');
    push.answer('hung', 201, 2000);
    const started = Date.now();
    sender.send(1, hung, '{}');
    await sender.idle();
    expect(Date.now() - started).toBeLessThan(1500);
    const warn = lines.find((l) => l.level === 'warn');
    expect(warn?.msg).toBe('push not delivered');
    expect(JSON.stringify(warn?.obj)).not.toContain('/push/hung');
  });

  it('reports endpoints the push service calls gone (404 and 410), not those that fail otherwise', async () => {
    const gone: string[] = [];
    const { sender } = make({}, gone);
    const a = stored('a');
    const b = stored('b');
    const c = stored('c');
    push.answer('a', 410);
    push.answer('b', 404);
    push.answer('c', 500);
    for (const [i, s] of [a, b, c].entries()) sender.send(i, s, '{}');
    await sender.idle();
    expect(gone.sort()).toEqual([a.endpoint, b.endpoint].sort());
  });

  it('refuses private addresses and local names unless allowed, before connecting', async () => {
    const { sender, lines } = make({ allowLocal: false });
    const literal = stored('private');
    // Other names that resolve to a private address are refused when they resolve (guardedLookup, as for calendars).
    const named = { ...stored('named'), endpoint: literal.endpoint.replace('127.0.0.1', 'localhost').replace('/private', '/named') };
    sender.send(1, literal, '{}');
    sender.send(1, named, '{}');
    await sender.idle();
    expect(push.received).toEqual([]);
    expect(push.connections()).toBe(0);
    const warns = lines.filter((l) => l.level === 'warn');
    expect(warns).toHaveLength(2);
    for (const w of warns) expect(w.obj).toMatchObject({ reason: 'must be a public push service' });
  });

  it('is fair between users: one user’s hung endpoints hold at most PER_USER_IN_FLIGHT slots, and others’ pushes go out at once', async () => {
    const { sender } = make({ concurrency: 4, timeoutMs: 3000 });
    const hung = stored('attacker');
    push.answer('attacker', 201, 2500);
    const victim = stored('victim');
    // The attacker's account queues many pushes to endpoints that hang...
    for (let i = 0; i < 20; i++) sender.send(1, hung, '{}');
    // ...then another user's notification comes.
    const started = Date.now();
    sender.send(3, victim, '{"for":"victim"}');
    await expect.poll(() => push.received.some((r) => r.name === 'victim'), { timeout: 2000, interval: 20 }).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    // The attacker held PER_USER_IN_FLIGHT of the 4 slots, never all of them (+1: the victim's).
    expect(push.maxInFlight()).toBe(PER_USER_IN_FLIGHT + 1);
  });

  it('gives a free slot to the user whose pushes held slots least lately, however many accounts hang theirs', async () => {
    // Found from outside: 30 accounts with hung endpoints, 10 subscriptions each, took turns at the
    // 8 slots and a bystander's "X is online" push went out 40 s late (65 ms unattacked): turns went
    // round the users, and each attacker's turn held a slot for the whole deadline.
    const timeoutMs = 600;
    const { sender } = make({ concurrency: 2, timeoutMs });
    const hung = stored('attacker');
    push.answer('attacker', 201, 10_000);
    const attackers = 6;
    for (let user = 1; user <= attackers; user++) for (let i = 0; i < 4; i++) sender.send(user, hung, '{}');
    // Every attacker has had a push cut at the deadline (3 rounds of 2 slots), and the 4th round is under way.
    await expect.poll(() => push.received.length, { timeout: 10_000, interval: 10 }).toBeGreaterThanOrEqual(attackers + 2);
    const started = Date.now();
    sender.send(100, stored('bystander'), '{"for":"bystander"}');
    await expect.poll(() => push.received.some((r) => r.name === 'bystander'), { timeout: 10_000, interval: 10 }).toBe(true);
    // The next slot to come free is the bystander's (within one deadline); in turns, it came after
    // all 6 attackers' (3 deadlines more).
    expect(Date.now() - started).toBeLessThan(timeoutMs + 900);
    sender.close();
  });

  it('drops one user’s pushes beyond MAX_QUEUE_PER_USER waiting (logged), and still takes others’', async () => {
    const { sender, lines } = make({ concurrency: 1, timeoutMs: 3000 });
    const slow = stored('flood');
    push.answer('flood', 201, 1000);
    for (let i = 0; i < MAX_QUEUE_PER_USER + 10; i++) sender.send(1, slow, '{}');
    const dropped = lines.filter((l) => l.msg === 'push queue full: notification dropped');
    // One went in flight at once; MAX_QUEUE_PER_USER wait; the rest were dropped.
    expect(dropped).toHaveLength(9);
    expect(dropped[0]!.obj).toMatchObject({ userId: 1 });
    sender.send(2, stored('other'), '{}');
    expect(lines.filter((l) => l.msg === 'push queue full: notification dropped')).toHaveLength(9);
    sender.close();
  });

  it('reads at most a little of an endless answer: the push fails once, logged, and the connection is dropped', async () => {
    const { sender, lines } = make({ timeoutMs: 5000 });
    const flood = stored('flood');
    push.answer('flood', 201, 0, 'flood');
    sender.send(1, flood, '{}');
    await sender.idle();
    const warns = lines.filter((l) => l.level === 'warn');
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ msg: 'push not delivered', obj: { status: 201, reason: expect.stringContaining('too large') } });
    // The service could hand over only what fits the connection's buffers before Beacon hung up.
    await expect.poll(() => push.sent).toHaveLength(1);
    expect(push.sent[0]!.complete).toBe(false);
    expect(push.sent[0]!.bytes).toBeLessThan(FLOOD_BYTES / 4);
  });

  it('gives each push one deadline, however slowly its answer trickles in, so another user’s push still goes out', async () => {
    const timeoutMs = 10 * DRIP_MS;
    const { sender, lines } = make({ concurrency: 4, timeoutMs });
    // Two users with two endpoints each that answer 201 and then a byte every DRIP_MS: all 4 slots.
    for (const user of [1, 2]) {
      for (const n of [1, 2]) {
        const name = `drip-${user}-${n}`;
        const sub = stored(name);
        push.answer(name, 201, 0, 'drip');
        sender.send(user, sub, '{}');
      }
    }
    sender.send(3, stored('victim'), '{"for":"victim"}');
    await expect.poll(() => push.received.some((r) => r.name === 'victim'), { timeout: 6 * timeoutMs, interval: 20 }).toBe(true);
    await sender.idle();
    const warns = lines.filter((l) => l.level === 'warn');
    expect(warns).toHaveLength(4);
    for (const w of warns) expect(w.obj).toMatchObject({ status: 201, reason: expect.stringContaining('too long') });
    await expect.poll(() => push.sent.filter((a) => a.name.startsWith('drip-'))).toHaveLength(4);
  });

  it('connects to exactly the host the URL names: a host that reads as an address to older parsers is refused and never contacted', async () => {
    const requests: string[] = [];
    const seen = (message: unknown) => void requests.push(String((message as { request: ClientRequest }).request.host));
    subscribe('http.client.request.start', seen);
    try {
      const { sender, lines } = make({ allowLocal: false });
      // WHATWG reads the name "127.0.0.1.evil.example"; url.parse (web-push) read the address 127.0.0.1.
      const odd = { ...stored('odd'), endpoint: 'https://127.0.0.1%2eevil.example/push/odd' };
      sender.send(1, odd, '{}');
      await sender.idle();
      expect(requests).toEqual([]);
      expect(lines.filter((l) => l.level === 'warn')).toEqual([
        expect.objectContaining({ msg: 'push not delivered', obj: expect.objectContaining({ reason: expect.stringContaining('written plainly') }) }),
      ]);
    } finally {
      unsubscribe('http.client.request.start', seen);
    }
  });
});
