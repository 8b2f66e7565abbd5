/** The push queue: bounded concurrency, fair between users, a deadline per push, gone endpoints reported, nothing thrown. */
import webpush from 'web-push';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { MAX_QUEUE_PER_USER, PER_USER_IN_FLIGHT, PushSender } from '../../../src/server/notifications/push-sender.js';
import { startPushEndpoint, type PushEndpoint } from '../../helpers/push-endpoint.js';

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

  it('refuses to connect to a private address unless allowed, at connect time', async () => {
    const { sender, lines } = make({ allowLocal: false });
    const literal = stored('private');
    // A name that resolves to a private address is refused when it resolves.
    const named = { ...stored('named'), endpoint: literal.endpoint.replace('127.0.0.1', 'localhost').replace('/private', '/named') };
    sender.send(1, literal, '{}');
    sender.send(1, named, '{}');
    await sender.idle();
    expect(push.received).toEqual([]);
    const warns = lines.filter((l) => l.level === 'warn');
    expect(warns).toHaveLength(2);
    for (const w of warns) expect(w.obj).toMatchObject({ reason: expect.stringContaining('private network') });
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
});
