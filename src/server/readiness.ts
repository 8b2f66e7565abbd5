/**
 * `GET /readyz` (docs/operations.md, "Health"): whether a load balancer may send users here.
 * 200 when the database answers, the bus is healthy (its connections up and subscribed: a
 * Redis that answers a PING late, a pause of a few seconds, is waited out, since nothing is
 * lost meanwhile and every instance would be taken out at once; the bus's own probe owns the
 * deadline after which a silent Redis counts as down, and drops its connections, which makes
 * it unhealthy: RedisBus), the write-behind saves and replicas of other
 * instances' users are in sync (replicasReady: stale from a bus outage, or from the start while
 * the bus has not connected yet, until the resync succeeds; status/replicas.ts owns when they
 * went stale; an instance alone, without a shared store, holds none, and a bus other instances
 * hear is refused without one: createServices); 503 otherwise, the body saying which
 * part failed. It also says whether the instances on this Redis prefix sign tokens with one
 * secret (`jwt_secret`) and, in sidecar mode with HS256, share a secret to verify the site's
 * tokens with (`auth_jwt_secret`; null otherwise): status/secret-agreement.ts. Neither ever makes it 503.
 */
import type { App } from './http-kit.js';
import type { Services } from './services.js';
import { replicasReady } from './status/resync-retry.js';
import type { Agreement } from './status/secret-agreement.js';

export function readinessRoute(app: App, services: Services): void {
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const [database, busAnswering] = await Promise.all([services.database.ping(), services.bus.ping()]);
    // Read after the PING: a probe that gave up on Redis meanwhile has dropped the connections.
    const bus = services.bus.isHealthy();
    const saving = services.presence.persistenceHealth();
    const persistence = {
      saving: saving.ok,
      failing_since: saving.failingSince === null ? null : new Date(saving.failingSince).toISOString(),
      set_aside: saving.setAside.length,
    };
    // After a bus outage, or from the start while the bus has never connected, replicas of other
    // instances' users are stale until the resync succeeds.
    const sync = services.presence.replicaSync();
    const presence = {
      synced: sync.synced,
      stale_since: sync.staleSince === null ? null : new Date(sync.staleSince).toISOString(),
      resync_attempts: sync.resyncAttempts,
      resyncing_since: sync.resyncingSince === null ? null : new Date(sync.resyncingSince).toISOString(),
    };
    // Another instance on this Redis prefix with another secret: said, and logged, but
    // not unready (which of the two is wrong cannot be told; a start into it is refused instead).
    const secret = services.presence.secretAgreement();
    const said = (a: Agreement) => ({ agreed: a.agreed, differing_instances: a.differingInstances });
    const jwtSecret = said(secret.signing);
    const authJwtSecret = secret.hostAuth ? said(secret.hostAuth) : null;
    // Rows set aside are one user's bad data: reported, but the instance still serves everyone.
    const ok = database && bus && saving.ok && replicasReady(sync, services.now());
    // Why the bus is down, when it is something to fix rather than wait out (a refused password).
    const busProblem = bus ? null : (services.bus.problem?.() ?? null);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', database, bus, bus_answering: busAnswering, bus_problem: busProblem, persistence, presence, jwt_secret: jwtSecret, auth_jwt_secret: authJwtSecret });
  });
}

