/** A real app listening on a random loopback port, with a fake clock, for socket tests. */
import type { Config } from '../../src/server/config.js';
import type { AppOverrides } from '../../src/server/app.js';
import { createTestApp, type Account, type TestApp } from './app.js';
import { freshDatabase, type TestDialect } from './databases.js';
import { sharedParts, type Kind } from './shared-parts.js';
import { FakeClock } from './clock.js';
import { connect, type Frame, type TestSocket } from './ws-client.js';

export interface LiveApp extends TestApp {
  url: string;
  clock: FakeClock;
  /** Moves the fake clock and runs the presence tick, then lets batches go out. */
  advance(ms: number): Promise<void>;
  connect(token: string): Promise<{ socket: TestSocket; ready: Frame }>;
  /** Connects, then waits until each watcher received the change that connecting caused (the user coming online). */
  connectSeenBy(token: string, ...watchers: TestSocket[]): Promise<{ socket: TestSocket; ready: Frame }>;
  sockets: TestSocket[];
}

export async function startLiveApp(config: Partial<Config> = {}, overrides: AppOverrides = {}): Promise<LiveApp> {
  const clock = new FakeClock();
  // Both of its clocks, unless the test brings its own `now` (which then serves as both: services.ts).
  const clocks = overrides.now ? {} : { now: clock.now, monotonic: clock.monotonic };
  const t = await createTestApp({ batchWindowMs: 0, ...config }, { ...clocks, ...overrides });
  const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const sockets: TestSocket[] = [];
  return {
    ...t,
    url,
    clock,
    sockets,
    async advance(ms) {
      clock.advance(ms);
      t.app.services.presence.tick();
      t.app.gateway.flush();
      await new Promise((r) => setTimeout(r, 5));
    },
    async connect(token) {
      const c = await connect(url, token);
      sockets.push(c.socket);
      return c;
    },
    async connectSeenBy(token, ...watchers) {
      const marks = watchers.map((w) => w.mark());
      const c = await connect(url, token);
      sockets.push(c.socket);
      const userId = (c.ready.self as { user_id: number }).user_id;
      await Promise.all(watchers.map((w, i) => w.next((f) => f.type === 'friend_status_change' && f.friend_id === userId, { from: marks[i] })));
      return c;
    },
    async close() {
      for (const s of sockets) s.ws.terminate();
      await t.close();
    },
  };
}

/**
 * For apps sharing one fake clock (each started with `{ now: clock.now }`): moves it, every app
 * runs its presence tick and sends what it batched, then the frames get 20 ms to arrive.
 */
export async function advanceTogether(clock: FakeClock, apps: readonly LiveApp[], ms: number): Promise<void> {
  clock.advance(ms);
  for (const s of apps) {
    s.app.services.presence.tick();
    s.app.gateway.flush();
  }
  await new Promise((r) => setTimeout(r, 20));
}

/** A live app on a fresh database of `dialect`, which close() drops once the app has stopped. */
export async function liveAppOn(dialect: TestDialect, config: Partial<Config> = {}, overrides: AppOverrides = {}): Promise<LiveApp> {
  const fresh = await freshDatabase(dialect);
  try {
    const t = await startLiveApp({ ...config, databaseUrl: fresh.url }, overrides);
    return {
      ...t,
      async close() {
        await t.close();
        await fresh.drop();
      },
    };
  } catch (err) {
    await fresh.drop();
    throw err;
  }
}

export interface LiveUsersOptions<N extends string> {
  /** Pairs made friends once everyone is registered: the first asks, the second accepts. */
  friends?: ReadonlyArray<readonly [N, N]>;
  /** Starts on a fresh database of this dialect (liveAppOn). */
  dialect?: TestDialect;
  overrides?: AppOverrides;
}

/**
 * A live app with `names` registered in that order, then `friends` made friends. How most
 * socket tests begin: `({ t, alice, bob } = await liveUsers(config, ['alice', 'bob']))`.
 */
export async function liveUsers<N extends string>(
  config: Partial<Config>,
  names: readonly N[],
  { friends = [], dialect, overrides }: LiveUsersOptions<N> = {},
): Promise<{ t: LiveApp } & Record<N, Account>> {
  const t = dialect === undefined ? await startLiveApp(config, overrides) : await liveAppOn(dialect, config, overrides);
  try {
    const users = {} as Record<N, Account>;
    for (const name of names) users[name] = await t.register(name);
    for (const [a, b] of friends) await t.befriend(users[a], users[b]);
    return { ...users, t };
  } catch (err) {
    await t.close();
    throw err;
  }
}

/** A live app where Alice and Bob are registered and friends. */
export function liveFriends(config: Partial<Config> = {}, options: Omit<LiveUsersOptions<'alice' | 'bob'>, 'friends'> = {}): Promise<{ t: LiveApp; alice: Account; bob: Account }> {
  return liveUsers(config, ['alice', 'bob'], { ...options, friends: [['alice', 'bob']] });
}

/** One instance's share of what two instances share (sharedParts): its bus and presence store. */
export type SharedPart = Awaited<ReturnType<typeof sharedParts>>[number];

export interface TwoLiveApps {
  a: LiveApp;
  b: LiveApp;
  /** What they share: `parts[0]` is A's bus and store, `parts[1]` B's (before `wrapBus`). */
  parts: SharedPart[];
  /** Stops both and drops what they shared, last made first. */
  close: () => Promise<void>;
}

/**
 * Two live instances over one fresh PostgreSQL database and a shared bus and presence store
 * (in memory, or on Redis). `wrapBus` gives an instance a bus of the test's own around its
 * shared one (a HeldBus, a recorder) before it starts.
 */
export async function twoLiveApps(
  kind: Kind,
  config: Partial<Config> = {},
  wrapBus: (bus: SharedPart['bus'], instance: 'a' | 'b') => SharedPart['bus'] = (bus) => bus,
): Promise<TwoLiveApps> {
  const cleanup: Array<() => Promise<unknown> | void> = [];
  const close = async () => {
    for (const fn of cleanup.reverse()) await fn();
  };
  try {
    const db = await freshDatabase('postgres');
    cleanup.push(db.drop);
    const parts = await sharedParts(kind, 2);
    for (const p of parts) cleanup.push(p.close);
    const a = await startLiveApp({ ...config, databaseUrl: db.url }, { bus: wrapBus(parts[0]!.bus, 'a'), store: parts[0]!.store });
    cleanup.push(() => a.close());
    const b = await startLiveApp({ ...config, databaseUrl: db.url }, { bus: wrapBus(parts[1]!.bus, 'b'), store: parts[1]!.store });
    cleanup.push(() => b.close());
    return { a, b, parts, close };
  } catch (err) {
    await close();
    throw err;
  }
}
