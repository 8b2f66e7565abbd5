/** Runs the Pong site: `tsx src/main.ts embedded` (Beacon inside) or `tsx src/main.ts sidecar` (Beacon beside). */
import { buildSite, type BeaconLink } from './site.js';
import { mountBeacon } from './beacon-embedded.js';
import { startSidecar } from './beacon-sidecar.js';
import { SiteTokens } from './site-auth.js';
import { SiteDb } from './site-db.js';

const mode = process.argv[2] === 'sidecar' ? 'sidecar' : 'embedded';
const port = Number(process.env.PORT ?? 8080);
const secret = process.env.SITE_JWT_SECRET ?? 'change-me-site-secret-0123456789';
const db = new SiteDb(process.env.SITE_DB ?? 'pong-site.db');
const beaconDatabase = process.env.BEACON_DATABASE_URL ?? 'sqlite:./pong-beacon.db';
const tokens = new SiteTokens(secret);
let link: BeaconLink | null = null;
const site = buildSite({ db, tokens, beacon: () => link! });

if (mode === 'embedded') link = await mountBeacon(site, db, tokens, { databaseUrl: beaconDatabase });
await site.listen({ port, host: '127.0.0.1' });
let stopSidecar: (() => Promise<void>) | null = null;
if (mode === 'sidecar') {
  const sidecar = await startSidecar({
    db,
    jwtSecret: secret,
    serviceToken: process.env.BEACON_SERVICE_TOKEN ?? 'change-me-service-token-0123',
    siteOrigin: `http://127.0.0.1:${port}`,
    databaseUrl: beaconDatabase,
    port: port + 1,
  });
  link = sidecar;
  stopSidecar = sidecar.close;
}

// A deploy (SIGTERM) or Ctrl-C (SIGINT) stops Beacon with the site: its sockets close with 1001,
// so pages reconnect at once, and the presence it holds is written. (Node's default would exit
// at once: sockets cut, the last presence changes lost.) Embedded, closing the site closes Beacon.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    Promise.all([site.close(), stopSidecar?.()]).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('Pong site: the stop failed', err);
        process.exit(1);
      },
    );
  });
}
console.warn(`Pong site (${mode}) on http://127.0.0.1:${port}`);
