/**
 * pingAll (the bus's health probe and /readyz's check): a PONG that arrived while the event loop
 * was stalled is an answer, not a silent Redis. After a stall the loop runs due timers before it
 * reads the sockets, so a timeout settled by its timer alone would drop healthy connections.
 * Redis missing fails this test; it never skips it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pingAll } from '../../src/server/adapters/redis-connections.js';
import { REDIS_URL, requireRedis } from '../helpers/redis.js';

function stallLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else runs, as in a long synchronous task
  }
}

describe('pingAll', () => {
  const clients: Redis[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });

  it('counts a PONG that came during a stall of the event loop longer than its timeout', async () => {
    clients.push(await requireRedis());
    const client = new Redis(REDIS_URL);
    clients.push(client);
    await expect.poll(() => client.status).toBe('ready');
    // From the check phase, as after any setImmediate: the loop's next step runs due timers, then reads sockets.
    await new Promise((resolve) => setImmediate(resolve));
    const answered = pingAll(client, 20);
    stallLoop(300); // the PONG is in the socket long before this ends; the 20 ms timer is due too
    expect(await answered).toBe(true);
  });

  it('answers false when Redis does not answer within the timeout', async () => {
    clients.push(await requireRedis());
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    clients.push(client);
    expect(await pingAll(client, 20)).toBe(false); // not connected: nothing can answer
  });
});
