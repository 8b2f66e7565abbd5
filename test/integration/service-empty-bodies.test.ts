/**
 * The service API's routes whose body has only optional fields (`PUT /service/friendships/:a/:b`,
 * `POST /service/users/lookup`) take no body as `{}`: none at all, or an empty one with
 * `content-length: 0`, with a JSON content type or without. They answered 400 "This request
 * needs a JSON body…" although there was nothing a body had to say. Routes whose body has a
 * required field still refuse an empty one.
 */
import { describe, expect, it } from 'vitest';
import { SERVICE_TOKEN, useSidecars } from '../helpers/sidecar-app.js';
import type { LiveApp } from '../helpers/live-app.js';

const EMPTY: Array<[string, Record<string, string>]> = [
  ['no body', {}],
  ['content-length: 0', { 'content-length': '0' }],
  ['content-length: 0 sent as JSON', { 'content-length': '0', 'content-type': 'application/json' }],
  ['content-length: 0 sent as JSON with a charset', { 'content-length': '0', 'content-type': 'application/json; charset=utf-8' }],
];

/** A service call sending no body, with these headers. */
const bare = (live: LiveApp, method: 'PUT' | 'POST', url: string, headers: Record<string, string>) =>
  live.app.inject({ method, url: `/api/v1/service${url}`, headers: { 'x-service-token': SERVICE_TOKEN, ...headers }, ...(headers['content-length'] ? { payload: '' } : {}) });

describe('service routes whose body is all optional', () => {
  const sidecar = useSidecars();

  it('make a pair with no body, as with {}', async () => {
    const live = await sidecar();
    for (const [i, [how, headers]] of EMPTY.entries()) {
      const res = await bare(live, 'PUT', `/friendships/ann-${i}/bob`, headers);
      expect(res.json(), how).toEqual({ changed: 1 });
      expect(res.statusCode, how).toBe(200);
      // Sent again: the pair is there, nothing changes.
      expect((await bare(live, 'PUT', `/friendships/ann-${i}/bob`, headers)).json(), how).toEqual({ changed: 0 });
    }
  });

  it('look up nobody with no body, as with {}', async () => {
    const live = await sidecar();
    for (const [how, headers] of EMPTY) {
      const res = await bare(live, 'POST', '/users/lookup', headers);
      expect(res.json(), how).toEqual({ users: [] });
    }
  });

  it('still refuse fields they do not know, and bodies that are not objects', async () => {
    const live = await sidecar();
    const json = { 'content-type': 'application/json' };
    const wrong = await live.app.inject({ method: 'PUT', url: '/api/v1/service/friendships/ann/bob', headers: { 'x-service-token': SERVICE_TOKEN, ...json }, payload: '{"category":"friend"}' });
    expect(wrong.statusCode).toBe(400);
    const nullBody = await live.app.inject({ method: 'PUT', url: '/api/v1/service/friendships/ann/bob', headers: { 'x-service-token': SERVICE_TOKEN, ...json }, payload: 'null' });
    expect(nullBody.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'body must be object' });
  });

  it('leave routes whose body has a required field refusing an empty one', async () => {
    const live = await sidecar();
    for (const url of ['/friendships', '/users', '/users/ann/friends']) {
      const res = await bare(live, 'PUT', url, { 'content-length': '0', 'content-type': 'application/json' });
      expect(res.json(), url).toEqual({ code: 'VALIDATION_ERROR', message: 'This request needs a JSON body, and the body was empty' });
      expect((await bare(live, 'PUT', url, {})).json(), url).toEqual({ code: 'VALIDATION_ERROR', message: 'This request needs a JSON body, and none was sent' });
    }
  });
});
