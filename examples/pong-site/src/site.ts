/**
 * The Pong site: its own users, login (its own JWTs), friends and Pong matches, and a page.
 * It knows nothing of Beacon except `BeaconLink`: how to tell Beacon a friendship changed
 * and how to report a match (in process when embedded, over HTTP when Beacon is a sidecar).
 */
import { readFile } from 'node:fs/promises';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { PongServer, type MatchReport } from './pong-server.js';
import { checkPassword, hashPassword, type SiteTokens } from './site-auth.js';
import type { SiteDb } from './site-db.js';

export interface BeaconLink {
  friendshipChanged(a: number, b: number): Promise<unknown>;
  game(report: MatchReport): Promise<unknown>;
  /** The site logged this token out (one device): Beacon ends its login, and its socket closes. */
  signOutToken(token: string): Promise<unknown>;
  /** Where the page reaches Beacon: `/beacon` (embedded) or Beacon's origin (sidecar). */
  url: string;
}

export interface SiteOptions {
  db: SiteDb;
  tokens: SiteTokens;
  /** Set once Beacon is mounted or started. */
  beacon: () => BeaconLink;
}

const Credentials = {
  type: 'object',
  required: ['name', 'password'],
  additionalProperties: false,
  properties: { name: { type: 'string', pattern: '^[A-Za-z0-9_]{3,20}$' }, password: { type: 'string', minLength: 8, maxLength: 128 } },
} as const;

export function buildSite({ db, tokens, beacon }: SiteOptions): FastifyInstance {
  const site = Fastify({ logger: false });
  const pong = new PongServer((r) => beacon().game(r));

  /** The signed-in user and the token they sent; 401 without a valid one. */
  const session = async (request: FastifyRequest) => {
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const user = token ? await tokens.verify(token) : null;
    if (!token || !user) throw Object.assign(new Error('Sign in first'), { statusCode: 401 });
    return { user, token };
  };
  const me = async (request: FastifyRequest) => (await session(request)).user;

  site.post<{ Body: { name: string; password: string } }>('/api/register', { schema: { body: Credentials } }, async (request, reply) => {
    const user = db.createUser(request.body.name, await hashPassword(request.body.password));
    if (!user) return reply.status(409).send({ message: 'That name is taken' });
    return reply.status(201).send({ token: await tokens.issue(user), user });
  });

  site.post<{ Body: { name: string; password: string } }>('/api/login', { schema: { body: Credentials } }, async (request, reply) => {
    const user = db.findByName(request.body.name);
    if (!user || !(await checkPassword(request.body.password, user.password_hash))) return reply.status(401).send({ message: 'Wrong name or password' });
    return { token: await tokens.issue(user), user: { id: user.id, name: user.name } };
  });

  // Logging out on this device ends this token's Beacon login too: its socket closes (4000) and
  // friends see the user offline if it was their last login. Forgetting the token in the browser
  // alone would leave that socket open, the user online, until the token expires (12 h).
  site.post('/api/logout', async (request, reply) => {
    await beacon().signOutToken((await session(request)).token);
    return reply.status(204).send();
  });

  site.get('/api/friends', async (request) => db.usersByIds(db.friendIds((await me(request)).id)));

  site.post<{ Body: { name: string } }>(
    '/api/friends',
    { schema: { body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', maxLength: 20 } } } } },
    async (request, reply) => {
      const user = await me(request);
      const friend = db.findByName(request.body.name);
      if (!friend || friend.id === user.id) return reply.status(404).send({ message: 'No such user' });
      db.addFriend(user.id, friend.id);
      await beacon().friendshipChanged(user.id, friend.id);
      return reply.status(201).send({ id: friend.id, name: friend.name });
    },
  );

  site.delete<{ Params: { id: string } }>('/api/friends/:id', async (request, reply) => {
    const user = await me(request);
    const friendId = Number(request.params.id);
    if (!Number.isSafeInteger(friendId) || !db.removeFriend(user.id, friendId)) return reply.status(404).send({ message: 'Not a friend' });
    await beacon().friendshipChanged(user.id, friendId);
    return reply.status(204).send();
  });

  site.post<{ Body: { opponent_id: number } }>(
    '/api/matches',
    { schema: { body: { type: 'object', required: ['opponent_id'], additionalProperties: false, properties: { opponent_id: { type: 'integer' } } } } },
    async (request, reply) => {
      const user = await me(request);
      const [opponent] = db.usersByIds([request.body.opponent_id]);
      if (!opponent || opponent.id === user.id) return reply.status(404).send({ message: 'No such opponent' });
      return reply.status(201).send({ match_id: await pong.start({ id: user.id, name: user.name }, opponent) });
    },
  );

  site.post<{ Params: { id: string } }>('/api/matches/:id/points', async (request, reply) => {
    const user = await me(request);
    const result = await pong.point(request.params.id, user.id);
    return result ?? reply.status(404).send({ message: 'No such match' });
  });

  site.get('/', async (_request, reply) => {
    const html = await readFile(new URL('../public/index.html', import.meta.url), 'utf8');
    return reply.type('text/html').send(html.replace('{{BEACON_URL}}', beacon().url));
  });
  site.get('/site.js', async (_request, reply) => reply.type('text/javascript').send(await readFile(new URL('../public/site.js', import.meta.url), 'utf8')));
  return site;
}
