/**
 * Builds every long-lived part of one Beacon instance from the config, in
 * dependency order. Routes and the gateway receive this object; nothing else is global.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import { settingNameOr, type SettingName } from './config-options.js';
import { createBus } from './adapters/create-bus.js';
import { createBudgets, type Budgets } from './budgets.js';
import { RedisPresenceStore } from './adapters/presence-store-redis.js';
import { SharedLimits } from './adapters/limits-redis.js';
import { checkDatabase, redisTarget } from './adapters/redis-connections.js';
import { AuthService, type AuthContext } from './auth/auth-service.js';
import { LastUses } from './auth/last-uses.js';
import { LocalLoginThrottle } from './auth/login-throttle.js';
import { SessionRepository } from './auth/session-repository.js';
import { createDeviceTokens } from './auth/device-tokens.js';
import { createTokenService } from './auth/tokens.js';
import { hostSecretFingerprints, secretFingerprint } from './auth/secret-fingerprint.js';
import { openDatabase, type Database } from './db/database.js';
import { Housekeeping, SESSION_KEEP_AFTER_EXPIRY_MS } from './db/housekeeping.js';
import { migrateAtStart } from './db/migrate.js';
import { refuseForeignFile } from './db/foreign-tables.js';
import { namingTheDatabase } from './db/start-errors.js';
import { reportStart } from './start-report.js';
import { BlockRepository } from './friends/block-repository.js';
import { FriendRepository } from './friends/friend-repository.js';
import { FriendsService } from './friends/friends-service.js';
import type { EventBus } from './ports/event-bus.js';
import type { IdentityPort } from './ports/identity.js';
import type { ProfilesPort } from './ports/profiles.js';
import { withMaxAge, type SocialGraph, type SocialGraphPort } from './ports/social-graph.js';
import { hostAuthenticator, hostTokenSignOut } from './integration/host-auth.js';
import { HostSocialGraph, hostNames } from './integration/host-graph.js';
import { IdMap } from './integration/id-map.js';
import { jwtIdentity } from './integration/jwt-identity.js';
import { refuseMixedAccounts } from './integration/own-accounts-guard.js';
import { friendshipsSync, friendshipSync, SidecarFriendships, storedNames } from './integration/sidecar-friendships.js';
import { Metrics } from './metrics/metrics.js';
import { LocalPresenceStore, type PresenceStore } from './ports/presence-store.js';
import { CalendarService } from './calendar/calendar-service.js';
import { NotificationRepository } from './notifications/notification-repository.js';
import { Notifier } from './notifications/notifier.js';
import { PushSender } from './notifications/push-sender.js';
import { vapidKeys } from './notifications/vapid.js';
import { HistoryReads } from './history/history-reads.js';
import { HistoryRecorder } from './history/history-recorder.js';
import { HistoryRepository } from './history/history-repository.js';
import { PresenceRepository } from './status/presence-repository.js';
import { IncompleteStop, PresenceService, type PresenceDeps } from './status/presence-service.js';
import { userTopic } from './status/presence-events.js';
import { GameInvites } from './games/game-invites.js';
import { AccountRepository } from './users/account-repository.js';
import { AccountService } from './users/account-service.js';
import { AdminRoles } from './users/admin-roles.js';
import { UserRepository } from './users/user-repository.js';

/** standalone: Beacon's own accounts; embedded: a host's ports in process; sidecar: a host's JWTs and pushed friendships. */
export type BeaconMode = 'standalone' | 'embedded' | 'sidecar';

export interface Services {
  config: Readonly<Config>;
  mode: BeaconMode;
  /** Host ids ↔ Beacon's integer ids (shadow users). */
  ids: IdMap;
  /** Where the friend graph comes from (Beacon's table, or the host's port). */
  graph: SocialGraph;
  /** Re-reads the friendship of a and b through the graph and updates connected friends' views. */
  friendshipChanged(a: number, b: number): Promise<void>;
  /** Sidecar mode: the friendships the host pushes (null in the other modes). */
  hostFriendships: SidecarFriendships | null;
  /**
   * The wall clock (ms since the epoch): every moment a user sees, or that leaves the process
   * (last_seen, token expiry, rows, the shared store, the grace a restart keeps), and deadlines
   * set in calendar time (message expiry, schedules). An NTP step or a restored VM moves it.
   */
  now: () => number;
  /**
   * The monotonic clock (ms, performance.now(); no meaning across processes): durations this
   * process measures itself, which a step of the wall clock must neither end nor stretch: a
   * socket's silence (the heartbeat sweep), the batching window and a slow socket's time, and
   * the presence engine's in-process deadlines (it moves them with a step: PresenceEngine).
   */
  monotonic: () => number;
  database: Database;
  users: UserRepository;
  sessions: SessionRepository;
  /** Hourly deletes of status history past its retention and of expired login sessions. */
  housekeeping: Housekeeping<'history' | 'sessions' | 'invites'>;
  friendRepo: FriendRepository;
  friends: FriendsService;
  auth: AuthService;
  /** When each login was last used, noted by token checks and written behind (auth/last-uses.ts). */
  lastUses: LastUses;
  bus: EventBus;
  presence: PresenceService;
  /** Game invitations and their acceptance (games/game-invites.ts). */
  invites: GameInvites;
  /** Per-user rate budgets shared by REST and the WebSocket. */
  budgets: Budgets;
  /** Request limits and login budgets shared through Redis (several instances), or null: each instance counts its own. */
  limits: SharedLimits | null;
  /** Data export and account deletion. */
  account: AccountService;
  /** Status history: its rows, their writer, and the turns every read of them takes (history, pattern, export). */
  history: { repo: HistoryRepository; recorder: HistoryRecorder; reads: HistoryReads };
  calendar: CalendarService;
  /** Push subscriptions, watches and the notifier; `vapidPublicKey` is given to browsers. */
  notifications: { repo: NotificationRepository; notifier: Notifier; vapidPublicKey: string };
  log: FastifyBaseLogger;
  /** How messages name a setting: the BEACON_* variable, or the plugin's option (config-options.ts SettingName), chosen at the start. */
  settingName: SettingName;
  metrics: Metrics;
  /** Called before the handler of every authenticated state-changing API call (not reads; http-kit `countsAsInteraction`): it counts as activity. Never rejects. */
  onApiCall?: (auth: AuthContext) => Promise<void>;
  /** Starts the presence clock and write-behind. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface ServiceOverrides {
  /** The clock; tests inject a fake one. */
  now?: () => number;
  /** The monotonic clock; when only `now` is injected, `now` serves as both (a test's clock never steps). */
  monotonic?: () => number;
  /** The event bus; tests may share one between several apps. */
  bus?: EventBus;
  /** The shared presence store; defaults to Redis when BEACON_REDIS_URL is set. */
  store?: PresenceStore;
  /** A CA (PEM) to trust for push endpoints: a test's local push service. */
  pushCa?: string;
  /** Embedded mode: the host's own identity, friends and (optionally) profiles. */
  host?: HostPorts;
  /** How messages name a setting: the plugin's option in plugin mode (plugin.ts); the BEACON_* variable by default. */
  settingName?: SettingName;
  /** Whether this instance is saturated (stretches offline graces); measured by default. */
  saturation?: PresenceDeps['saturation'];
  /** How long fetching a calendar feed may take: a test's short deadline (10 s by default). */
  calendarFetchTimeoutMs?: number;
  /** How long each call to the host's identity, friends and profiles ports may take: a test's short bound (HOST_PORT_TIMEOUT_MS, 5 s, by default). */
  hostPortTimeoutMs?: number;
}

export interface HostPorts {
  identity: IdentityPort;
  friends: SocialGraphPort;
  /** Without it, names are those the identity port gave when each user was last seen. */
  profiles?: ProfilesPort;
}

/** The JWT secret: the configured one, or one generated once and kept in the database (`generated`: by this call). */
async function jwtSecret(config: Config, database: Database): Promise<{ secret: string; generated: boolean }> {
  if (config.jwtSecret) return { secret: config.jwtSecret, generated: false };
  const fresh = randomBytes(32).toString('base64url');
  await database.db
    .insertInto('server_secrets')
    .values({ name: 'jwt_secret', value: fresh })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await database.db
    .selectFrom('server_secrets')
    .select('value')
    .where('name', '=', 'jwt_secret')
    .executeTakeFirstOrThrow();
  return { secret: row.value, generated: row.value === fresh };
}

/**
 * Without a shared presence store an instance is alone (Replicas.start() does nothing more,
 * /readyz says its replicas are synced, a start writes the last run's users offline): a bus
 * that other instances hear would make all of that wrong. BEACON_REDIS_URL gives both (Redis)
 * or neither; only an override (ServiceOverrides.bus or .store) can mix them, and is refused
 * here, before the database is opened or migrated. A bus whose `shared` is undefined (written
 * before EventBus had it) is not checked.
 */
/** The monotonic clock of a running server: never stepped by NTP or a restored VM. */
const monotonicNow = (): number => performance.now();

function refuseSharedBusOverLocalStore(config: Readonly<Config>, overrides: ServiceOverrides): void {
  const redis = Boolean(config.redisUrl);
  const busShared = overrides.bus ? overrides.bus.shared === true : redis;
  const storeShared = overrides.store ? overrides.store.shared : redis;
  if (busShared && !storeShared) {
    throw new Error('beacon: an event bus shared with other instances needs a shared presence store (give both, as BEACON_REDIS_URL does, or neither)');
  }
}

export async function createServices(
  config: Readonly<Config>,
  log: FastifyBaseLogger,
  overrides: ServiceOverrides = {},
): Promise<Services> {
  refuseSharedBusOverLocalStore(config, overrides);
  const now = overrides.now ?? Date.now;
  const monotonic = overrides.monotonic ?? overrides.now ?? monotonicNow;
  const settingName = settingNameOr(overrides.settingName);
  const metrics = new Metrics();
  // A database error at start names BEACON_DATABASE_URL (db/start-errors.ts), here, below and in start().
  const named = (err: unknown) => namingTheDatabase(err, config.databaseUrl);
  let database: Database;
  try {
    await refuseForeignFile(config.databaseUrl);
    database = openDatabase(config.databaseUrl, {
      timeoutMs: config.databaseTimeoutMs,
      observe: (ms, err) => metrics.dbQuery(ms, err),
      onCheckpointerStop: (err) => log.error({ err }, 'SQLite checkpoint worker stopped; commits checkpoint on the event loop again'),
    });
  } catch (err) {
    throw named(err);
  }
  const { checkpointer } = database;
  if (checkpointer) metrics.watchCheckpointer(() => checkpointer.running);
  try {
    const migrations = await migrateAtStart(database, config.databaseUrl, config.databaseTimeoutMs, log);
    const mode: BeaconMode = overrides.host ? 'embedded' : config.hostAuth ? 'sidecar' : 'standalone';
    if (mode === 'sidecar' && config.hostAuth) {
      // A newcomer's first question: did the start take the sidecar settings?
      log.info({ keys: config.hostAuth.jwtSecret ? 'BEACON_AUTH_JWT_SECRET (HS256)' : `BEACON_AUTH_JWKS_URL (${config.hostAuth.jwksUrl})` }, 'sidecar mode: verifying the site’s JWTs');
      if (!config.serviceToken) {
        const token = settingName('BEACON_SERVICE_TOKEN');
        log.warn(
          `sidecar mode without ${token}: the service API answers 403, so the site cannot push friendships, names or sign-outs, and game servers cannot report matches; set ${token}`,
        );
      }
    }
    // Before anything is written: a host mode on standalone Beacon's database is refused, and the reverse.
    await refuseMixedAccounts(database.db, mode);
    const users = new UserRepository(database.db);
    const unmatched = await new AdminRoles(database.db).sync(config.admins, now());
    if (unmatched.length > 0) {
      log.warn({ names: unmatched }, `${settingName('BEACON_ADMINS')} names no account that existed when the name was listed; nobody becomes admin by registering it (grant with: npm run admin -- grant <username>)`);
    }
    const sessions = new SessionRepository(database.db);
    const { secret, generated: generatedJwtSecret } = await jwtSecret(config, database);
    const signingSecret = { fingerprint: secretFingerprint(secret), configured: config.jwtSecret !== null };
    // Sidecar with HS256: the site's secrets are compared across instances too (status/secret-agreement.ts).
    const hostJwtSecret = mode === 'sidecar' ? (config.hostAuth?.jwtSecret ?? null) : null;
    const hostSecret = hostJwtSecret === null ? null : { fingerprints: hostSecretFingerprints(hostJwtSecret, config.hostAuth?.jwtPreviousSecret) };
    reportStart(log, config, { migrations, generatedJwtSecret, jwtSecretFingerprint: signingSecret.fingerprint, ...(hostSecret ? { authJwtSecretFingerprints: hostSecret.fingerprints } : {}) }, settingName);
    const tokens = createTokenService(secret, now);
    const ids = new IdMap(database.db, now);
    const refused = (reason: string) => log.info({ reason }, 'host token refused');
    const identity = overrides.host?.identity ?? (config.hostAuth ? jwtIdentity({ ...config.hostAuth, secret: config.hostAuth.jwtSecret, now, refused }) : null);
    const unanswered = (reason: string) => log.warn({ reason }, "identity port did not answer: the site's sign-in check is unavailable (REST answers 503, a socket closes 1011)");
    const identityBound = { unanswered, ...(overrides.hostPortTimeoutMs ? { timeoutMs: overrides.hostPortTimeoutMs } : {}) };
    const external = identity ? hostAuthenticator({ db: database.db, sessions, identity, ids, now, tokenTtlS: config.tokenTtlS, renamed: (id) => presence.renamed([id]), refused, ...identityBound }) : undefined;
    const redis = config.redisUrl ? redisTarget(config.redisUrl, config.redisMode, settingName('BEACON_REDIS_URL')) : null;
    // Several instances share their request limits and login budgets through Redis.
    const limits = redis && config.rateLimits ? new SharedLimits({ target: redis, prefix: config.redisPrefix, log, onError: () => metrics.redisError('limits') }) : null;
    const throttle = !config.rateLimits ? null : limits ? limits.loginThrottle(now) : new LocalLoginThrottle(now);
    const lastUses = new LastUses(sessions, { log });
    const externalSignOut = identity ? hostTokenSignOut({ sessions, identity, ids, now, tokenTtlS: config.tokenTtlS, ...identityBound }) : undefined;
    const auth = new AuthService(users, sessions, tokens, createDeviceTokens(secret), { tokenTtlS: config.tokenTtlS, now, throttle, lastUses, ...(external ? { external } : {}), ...(externalSignOut ? { externalSignOut } : {}) });
    const friendRepo = new FriendRepository(database.db);
    const names = overrides.host?.profiles
      ? hostNames(overrides.host.profiles, ids, (err) => log.warn({ err }, 'profiles port failed: the users it was asked for keep the names Beacon last knew'), overrides.hostPortTimeoutMs)
      : mode === 'standalone' ? null : storedNames(database.db);
    const blockRepo = new BlockRepository(database.db);
    const friends = new FriendsService(friendRepo, users, now, blockRepo);
    const bus = overrides.bus ?? createBus(redis, { logger: log, prefix: config.redisPrefix, metrics });
    // Lists read again by age where a change can go unannounced (ports/social-graph.ts, withMaxAge).
    const graph: SocialGraph = overrides.host
      ? new HostSocialGraph(
          overrides.host.friends,
          ids,
          config.friendListTtlMs,
          {
            failed: (err, userId) => log.warn({ userId, reason: err.reason, err: err.cause }, "friends port failed: the site's friend list could not be read (a socket waiting for it closes 1011, a REST read answers 503)"),
            uncategorised: (userId, friendIds) =>
              log.warn(
                { userId, friends: friendIds.slice(0, 10), count: friendIds.length },
                'friends port gave friends no valid category (close_friend, friend or acquaintance): Beacon takes them as acquaintances, who see only the public view (said at most once a minute)',
              ),
            now,
          },
          overrides.hostPortTimeoutMs,
        )
      : mode === 'sidecar' || bus.shared === true
        ? withMaxAge(friendRepo, config.friendListTtlMs)
        : friendRepo;
    metrics.watchBus(() => bus.isHealthy());
    const store =
      overrides.store ??
      (redis ? new RedisPresenceStore({ target: redis, prefix: config.redisPrefix, onError: () => metrics.redisError('store') }) : new LocalPresenceStore());
    const historyRepo = new HistoryRepository(database.db);
    const history = new HistoryRecorder(historyRepo, { intervalMs: config.persistIntervalMs, now, log });
    const invites = new GameInvites({ db: database.db, graph, publish: (userId, event) => bus.publish(userTopic(userId), event), now });
    const housekeeping = new Housekeeping(
      {
        history: { what: 'status history past its retention', prune: (at) => historyRepo.prune(at - config.historyRetentionDays * 86_400_000) },
        sessions: { what: 'login sessions a day after they expired', prune: (at) => sessions.prune(at - SESSION_KEEP_AFTER_EXPIRY_MS) },
        invites: { what: 'game invitations past their expiry', prune: (at) => invites.prune(at) },
      },
      { now, log },
    );
    const presence = new PresenceService({ config, now, monotonic, bus, store, signingSecret, hostSecret, settingName, repo: new PresenceRepository(database.db, names), users, friendRepo: graph, sessions, history, log, metrics, ...(overrides.saturation ? { saturation: overrides.saturation } : {}), ...(mode === 'standalone' ? { categoriesSetSince: (ids: readonly number[], since: number) => friendRepo.categoriesSetSince(ids, since), categoriesHeld: (pairs) => friendRepo.listedAmong(pairs), pendingRequests: (ids: readonly number[]) => friendRepo.pendingAmong(ids), blocksHeld: async (pairs) => (await blockRepo.held(pairs)).map((h) => ({ kind: 'block_changed' as const, ...h })) } : {}) });
    const calendar = new CalendarService({ db: database.db, presence, config, now, log, ...(overrides.calendarFetchTimeoutMs ? { fetchTimeoutMs: overrides.calendarFetchTimeoutMs } : {}) });
    const vapid = await vapidKeys(config, database);
    const notificationRepo = new NotificationRepository(database.db);
    const sender = new PushSender({
      vapid,
      concurrency: config.pushConcurrency,
      timeoutMs: config.pushTimeoutMs,
      allowLocal: config.pushAllowLocal,
      ...(overrides.pushCa ? { ca: overrides.pushCa } : {}),
      log,
      onGone: (endpoint) => notificationRepo.dropEndpoint(endpoint),
      now,
    });
    const notifier = new Notifier({
      repo: notificationRepo,
      friendRepo: graph,
      sender,
      quiet: (id) => presence.quiet(id),
      publish: (viewerId, payload) => presence.notify(viewerId, payload),
      now,
      log,
    });
    presence.onAppeared((userId, views) => notifier.appeared(userId, views));
    friends.onGraphChange((e) => {
      if (e.kind === 'unfriended') notificationRepo.removeWatchesBetween(e.a, e.b).catch((err: unknown) => log.error({ err }, 'watches not removed on unfriend'));
    });
    auth.onRevoked((sessionId, userId) => presence.revoked(userId, sessionId));
    friends.onGraphChange((e) => presence.graphChanged(e));
    const oneWay = (a: number, b: number) =>
      log.warn({ a, b }, "host friend graph lists this pair on one side only: Beacon treats them as not friends now, but a viewer loaded from their own list still sees the other (friendsOf must list both sides, docs/integration.md)");
    const friendshipChanged = friendshipSync(graph, (e) => presence.graphChanged(e), oneWay);
    return {
      config,
      mode,
      ids,
      graph,
      friendshipChanged,
      hostFriendships: mode === 'sidecar' ? new SidecarFriendships(database.db, ids, now, friendshipsSync(friendRepo, (e) => presence.graphChanged(e), oneWay)) : null,
      now,
      monotonic,
      settingName,
      database,
      users,
      sessions,
      friendRepo,
      friends,
      auth,
      lastUses,
      bus,
      presence,
      invites,
      budgets: createBudgets(config.rateLimits, now),
      limits,
      account: new AccountService({ repo: new AccountRepository(database.db), auth, friends, presence, history: historyRepo, notifications: notificationRepo, now }),
      history: { repo: historyRepo, recorder: history, reads: new HistoryReads({ now }) },
      calendar,
      notifications: { repo: notificationRepo, notifier, vapidPublicKey: vapid.publicKey },
      log,
      metrics,
      onApiCall: (a) => presence.apiCall(a).catch((err: unknown) => log.error({ err }, 'api call not counted')),
      housekeeping,
      async start() {
        if (redis) await checkDatabase(redis);
        // Side by side: on a cluster each waits up to 5 s for a primary still connecting
        // (connectWithin), and one after the other they could outlast Fastify's 10 s for onReady.
        await Promise.all([
          limits?.connect(),
          presence.start().catch((err: unknown) => {
            throw named(err);
          }),
        ]);
        calendar.start();
        housekeeping.start();
        lastUses.start();
      },
      async close() {
        housekeeping.stop();
        await calendar.stop();
        await notifier.idle();
        sender.close();
        // A final write that failed, or changes the shared store never took, fail the stop (main.ts:
        // `shutdown failed`, exit 1), after the rest is closed.
        const unsaved = await presence.stop().then(
          () => null,
          (err: unknown) => ({ err }),
        );
        if (!unsaved || (unsaved.err instanceof IncompleteStop && unsaved.err.written)) log.info('shutdown: presence written to the database');
        await lastUses.stop();
        // Together: each gives a Redis that does not answer QUIT a second (one after another, 3 s of the bound).
        await Promise.all([overrides.bus ? null : bus.close(), overrides.store ? null : store.close(), limits?.close()]);
        if (config.redisUrl) log.info('shutdown: Redis connections closed');
        await database.close();
        log.info('shutdown: database closed');
        if (unsaved) throw unsaved.err;
      },
    };
  } catch (err) {
    await database.close().catch(() => {});
    throw named(err);
  }
}
