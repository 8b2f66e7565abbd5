/**
 * The device tokens this browser keeps per account (src/web/lib/session.ts): sent with the next
 * login, each keeps this browser out of a lockout strangers' guesses cause. Any valid username
 * keeps its own, `__proto__` and `constructor` included.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deviceTokenFor, forgetDevice, rememberDevice } from '../../../src/web/lib/session.js';
import { MemoryStorage } from '../../helpers/memory-storage.js';

beforeEach(() => vi.stubGlobal('localStorage', new MemoryStorage()));
afterEach(() => vi.unstubAllGlobals());

describe('device tokens per account', () => {
  it('keeps the token of an account named __proto__, constructor or toString, as of any other', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'Alice']) rememberDevice(name, `token-of-${name}`);
    expect(deviceTokenFor('__PROTO__')).toBe('token-of-__proto__');
    expect(deviceTokenFor('constructor')).toBe('token-of-constructor');
    expect(deviceTokenFor('tostring')).toBe('token-of-toString');
    expect(deviceTokenFor('alice')).toBe('token-of-Alice');
    expect(deviceTokenFor('hasOwnProperty')).toBeUndefined();
    forgetDevice('__proto__');
    expect(deviceTokenFor('__proto__')).toBeUndefined();
    expect(deviceTokenFor('alice')).toBe('token-of-Alice');
  });

  it('keeps the eight accounts saved last, a token saved again counting as new', () => {
    for (let i = 0; i < 9; i++) rememberDevice(`user${i}`, `t${i}`);
    expect(deviceTokenFor('user0')).toBeUndefined();
    rememberDevice('user1', 't1b');
    rememberDevice('user9', 't9');
    expect(deviceTokenFor('user1')).toBe('t1b');
    expect(deviceTokenFor('user2')).toBeUndefined();
    expect(deviceTokenFor('user9')).toBe('t9');
  });
});
