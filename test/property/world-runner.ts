/** Applies worlds to a running app and checks every output channel against the reference model. */
import { bearer } from '../helpers/app.js';
import type { LiveApp } from '../helpers/live-app.js';
import { connect, type Frame, type TestSocket } from '../helpers/ws-client.js';
import { expectedView, seenOf, tierOf, type Category, type ModelSettings, type Seen, type Truth } from './reference-model.js';
import { PAIRS, POOL, type World } from './world.js';

export interface PoolUser {
  id: number;
  token: string;
  username: string;
  admin: boolean;
}

const DEFAULT_SETTINGS: ModelSettings = { status_visibility: 'friends', activity_visibility: 'friends', last_seen_visibility: 'friends', custom_message_visibility: 'friends' };
const same = (a: Seen | undefined, b: Seen) => a !== undefined && JSON.stringify(a) === JSON.stringify(b);

/** What a connected viewer's client knows: the `ready` snapshot plus every event since. */
interface Live {
  socket: TestSocket;
  read: number;
  friends: Map<number, Seen>;
}

export class WorldRunner {
  readonly #pairs = new Map<string, { ab: Category; ba: Category }>();
  readonly #settings: ModelSettings[];
  readonly #hiddenAt: Array<number | null>;
  readonly #hiddenFrom: Array<ModelSettings['status_visibility'] | null>;
  readonly #unhiddenAt: Array<number | null>;
  readonly #live = new Map<number, Live>();
  mismatches: string[] = [];

  constructor(
    private readonly t: LiveApp,
    private readonly users: PoolUser[],
  ) {
    this.#settings = users.map(() => ({ ...DEFAULT_SETTINGS }));
    this.#hiddenAt = users.map(() => null);
    this.#hiddenFrom = users.map(() => null);
    this.#unhiddenAt = users.map(() => null);
  }

  async #call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, who: PoolUser, payload?: object) {
    const res = await this.t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(who.token), ...(payload ? { payload } : {}) });
    if (res.statusCode >= 400) throw new Error(`${method} ${url} as ${who.username}: ${res.statusCode} ${res.body}`);
    return res;
  }

  /** Moves the app to `world` through the API and sockets. */
  async apply(world: World): Promise<void> {
    await this.#applyGraph(world);
    for (let i = 0; i < POOL; i++) await this.#applySettings(i, world.settings[i]!);
    let closed = false;
    for (let i = 0; i < POOL; i++) {
      const u = this.users[i]!;
      const live = this.#live.get(u.id);
      if (!world.presence[i]!.online && live) {
        live.socket.close();
        await live.socket.waitClosed();
        this.#live.delete(u.id);
        closed = true;
      } else if (world.presence[i]!.online && !live) {
        const { socket, ready } = await connect(this.t.url, u.token);
        this.t.sockets.push(socket);
        const friends = new Map((ready.friends as Frame[]).map((v) => [Number(v.user_id), seenOf(v as never)] as const));
        this.#live.set(u.id, { socket, read: socket.frames.length, friends });
      }
    }
    if (closed) await this.t.advance(this.t.app.services.config.offlineGraceMs + 1);
    for (let i = 0; i < POOL; i++) {
      const p = world.presence[i]!;
      const u = this.users[i]!;
      await this.#call('PUT', '/users/me/status', u, { status: p.manual, custom_message: p.message });
      if (p.online) await this.#call('POST', '/users/me/activity', u, { activity: p.activity ?? 'browsing', ...(p.details ? { details: p.details } : {}) });
    }
    await this.#settle();
  }

  async #applyGraph(world: World): Promise<void> {
    for (const [k, [a, b]] of PAIRS.entries()) {
      const want = world.pairs[k] ?? null;
      const key = `${a}:${b}`;
      const have = this.#pairs.get(key) ?? null;
      const ua = this.users[a]!;
      const ub = this.users[b]!;
      if (want && !have) {
        const sent = await this.#call('POST', '/users/me/friends/requests', ua, { user_id: ub.id });
        if (sent.statusCode === 201) await this.#call('POST', `/users/me/friends/requests/${sent.json<{ request: { id: number } }>().request.id}/accept`, ub);
        this.#pairs.set(key, { ab: 'friend', ba: 'friend' });
      } else if (!want && have) {
        await this.#call('DELETE', `/users/me/friends/${ub.id}`, ua);
        this.#pairs.delete(key);
      }
      const now = this.#pairs.get(key);
      if (want && now) {
        if (now.ab !== want.ab) await this.#call('PATCH', `/users/me/friends/${ub.id}`, ua, { category: want.ab });
        if (now.ba !== want.ba) await this.#call('PATCH', `/users/me/friends/${ua.id}`, ub, { category: want.ba });
        this.#pairs.set(key, { ...want });
      }
    }
  }

  async #applySettings(i: number, next: ModelSettings): Promise<void> {
    const u = this.users[i]!;
    const before = this.#settings[i]!;
    if (next.status_visibility === 'hidden' && before.status_visibility !== 'hidden') {
      // As if they logged out at the moment they hid; a user already offline stays as they left.
      const self = await this.#truthOf(i);
      this.#hiddenAt[i] = self.status === 'offline' ? (self.last_seen === null ? null : Date.parse(self.last_seen)) : this.t.clock.now();
      this.#hiddenFrom[i] = before.status_visibility;
    } else if (next.status_visibility !== 'hidden') {
      this.#hiddenAt[i] = null;
      this.#hiddenFrom[i] = null;
      if (before.status_visibility === 'hidden') this.#unhiddenAt[i] = this.t.clock.now();
    }
    await this.#call('PUT', '/users/me/status/settings', u, next);
    this.#settings[i] = { ...next };
  }

  /** Lets graph changes land, sends pending batches, and waits until every socket has them. */
  async #settle(): Promise<void> {
    await new Promise((r) => setTimeout(r, 15));
    this.t.app.gateway.flush();
    for (const live of this.#live.values()) {
      const from = live.socket.frames.length;
      live.socket.send({ type: 'heartbeat' });
      await live.socket.next((f) => f.type === 'heartbeat_ack', { from });
    }
  }

  async #truthOf(i: number): Promise<Seen> {
    const u = this.users[i]!;
    return seenOf((await this.#call('GET', `/users/${u.id}/status`, u)).json());
  }

  /** The category subject gave viewer, or null when they are not friends. */
  #given(subject: number, viewer: number): Category | null {
    const [a, b] = subject < viewer ? [subject, viewer] : [viewer, subject];
    const p = this.#pairs.get(`${a}:${b}`);
    if (!p) return null;
    return subject < viewer ? p.ab : p.ba;
  }

  #friendsOf(viewer: number): number[] {
    return Array.from({ length: POOL }, (_, s) => s).filter((s) => s !== viewer && this.#given(s, viewer) !== null);
  }

  #expect(viewer: number, subject: number, truths: Truth[]): Seen {
    const v = this.users[viewer]!;
    const tier = tierOf(v.id, v.admin, this.users[subject]!.id, this.#given(subject, viewer));
    return expectedView(truths[subject]!, this.#settings[subject]!, tier);
  }

  #check(channel: string, viewer: number, subject: number, got: Seen, want: Seen): void {
    if (same(got, want)) return;
    this.mismatches.push(`${channel}: ${this.users[viewer]!.username} sees ${this.users[subject]!.username} as ${JSON.stringify(got)}, model says ${JSON.stringify(want)} (settings ${JSON.stringify(this.#settings[subject])})`);
  }

  /** Reads every output channel and records each difference from the model. */
  async observe(): Promise<void> {
    const truths: Truth[] = [];
    for (let i = 0; i < POOL; i++) truths.push({ self: await this.#truthOf(i), hiddenAt: this.#hiddenAt[i]!, hiddenFrom: this.#hiddenFrom[i]!, unhiddenAt: this.#unhiddenAt[i]! });
    for (let v = 0; v < POOL; v++) {
      const viewer = this.users[v]!;
      for (let s = 0; s < POOL; s++) {
        if (s === v) continue;
        const got = seenOf((await this.#call('GET', `/users/${this.users[s]!.id}/status`, viewer)).json());
        this.#check('REST /users/:id/status', v, s, got, this.#expect(v, s, truths));
      }
      await this.#checkSearch(v);
      const live = this.#live.get(viewer.id);
      if (live) await this.#checkConnected(v, live, truths);
    }
    for (let i = 0; i < POOL; i++) {
      const again = await this.#truthOf(i);
      if (!same(again, truths[i]!.self)) this.mismatches.push(`harness: ${this.users[i]!.username}'s own view moved while being observed`);
    }
  }

  /** Friends list (REST), a fresh `ready` snapshot and the live events, for a viewer with a socket. */
  async #checkConnected(v: number, live: Live, truths: Truth[]): Promise<void> {
    const viewer = this.users[v]!;
    const friends = this.#friendsOf(v);
    const idOf = (s: number) => this.users[s]!.id;
    const list = (await this.#call('GET', '/users/me/friends/status', viewer)).json<Frame[]>();
    const { socket, ready } = await connect(this.t.url, viewer.token);
    socket.close();
    this.#check('ready.self', v, v, seenOf(ready.self as never), truths[v]!.self);
    this.#consumeEvents(v, live);
    const channels: Array<[string, Map<number, Seen>]> = [
      ['REST friends/status', new Map(list.map((f) => [Number(f.user_id), seenOf(f as never)]))],
      ['ready.friends', new Map((ready.friends as Frame[]).map((f) => [Number(f.user_id), seenOf(f as never)]))],
      ['live events', live.friends],
    ];
    for (const [name, got] of channels) {
      const ids = [...got.keys()].sort();
      const want = friends.map(idOf).sort();
      if (JSON.stringify(ids) !== JSON.stringify(want)) this.mismatches.push(`${name}: ${viewer.username} lists ${JSON.stringify(ids)}, friends are ${JSON.stringify(want)}`);
      for (const s of friends) {
        const seen = got.get(idOf(s));
        if (seen) this.#check(name, v, s, seen, this.#expect(v, s, truths));
      }
    }
  }

  /** Applies the socket's new frames to what the client knows; an event that changes nothing visible is a leak. */
  #consumeEvents(v: number, live: Live): void {
    const frames = live.socket.frames.slice(live.read);
    live.read = live.socket.frames.length;
    for (const f of frames) {
      if (f.type === 'friend_status_change') {
        const next = seenOf(f as never);
        const id = Number(f.friend_id);
        if (same(live.friends.get(id), next)) this.mismatches.push(`live events: ${this.users[v]!.username} got a change of user ${id} with nothing visible changed`);
        live.friends.set(id, next);
      } else if (f.type === 'friend_added') {
        const friend = f.friend as Frame;
        live.friends.set(Number(friend.user_id), seenOf(friend as never));
      } else if (f.type === 'friend_removed') {
        live.friends.delete(Number(f.friend_id));
      }
    }
  }

  /** Search shows public profile fields only, the same to everyone. */
  async #checkSearch(v: number): Promise<void> {
    const found = (await this.#call('GET', '/users?query=pw_', this.users[v]!)).json<Array<Record<string, unknown>>>();
    const want = this.users.map((u) => ({ id: u.id, username: u.username, display_name: u.username, role: u.admin ? 'admin' : 'user' }));
    const got = [...found].sort((a, b) => Number(a.id) - Number(b.id));
    if (JSON.stringify(got) !== JSON.stringify(want)) this.mismatches.push(`search: ${this.users[v]!.username} got ${JSON.stringify(got)}`);
  }
}
