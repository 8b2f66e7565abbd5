/**
 * watchAuth (redis-connections.ts): what the limits, the presence store and the bus say when
 * Redis refuses Beacon's credentials. A refusal is remembered until the connection is ready
 * again, and on one Redis an error of another kind replaces it (Redis is down now, which is no
 * password problem), so neither a fixed password nor a later outage is blamed on it.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { authRefusal, watchAuth, type RedisClient } from '../../../src/server/adapters/redis-connections.js';

const WRONGPASS = Object.assign(new Error('WRONGPASS invalid username-password pair or user is disabled.'), { name: 'ReplyError' });
const REFUSED = 'Redis refused authentication (WRONGPASS): check the user and password in BEACON_REDIS_URL';

function fakeRedis() {
  const client = Object.assign(new EventEmitter(), { status: 'connecting' });
  return { client, watch: watchAuth(client as unknown as RedisClient) };
}

describe('watchAuth', () => {
  it('remembers a refusal until the connection is ready again', () => {
    const { client, watch } = fakeRedis();
    expect(watch.refusal()).toBeNull();
    client.emit('error', WRONGPASS);
    expect(watch.refusal()).toBe(REFUSED);
    client.status = 'ready';
    client.emit('ready');
    expect(watch.refusal()).toBeNull();
  });

  it('on one Redis, forgets it when the connection fails for another reason', () => {
    const { client, watch } = fakeRedis();
    client.emit('error', WRONGPASS);
    client.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    expect(watch.refusal()).toBeNull();
  });

  it('reads a cluster client’s wrapped refusal, and the older wording of a wrong password', () => {
    const wrapped = Object.assign(new Error('Failed to refresh slots cache.'), { lastNodeError: WRONGPASS });
    expect(authRefusal(wrapped)).toBe(REFUSED);
    expect(authRefusal(new Error('ERR invalid password'))).toBe('Redis refused authentication (invalid password): check the user and password in BEACON_REDIS_URL');
    expect(authRefusal(new Error('NOAUTH Authentication required.'))).toBe('Redis refused authentication (NOAUTH): check the user and password in BEACON_REDIS_URL');
    expect(authRefusal(new Error('Connection is closed.'))).toBeNull();
  });
});
