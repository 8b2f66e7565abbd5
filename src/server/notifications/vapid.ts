/** The VAPID key pair (RFC 8292): from the config, or generated once and kept in the database. */
import webpush from 'web-push';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

/** Every instance reads the same row, so all sign with one key and subscriptions survive restarts. */
export async function vapidKeys(config: Readonly<Config>, database: Database): Promise<VapidKeys> {
  if (config.vapid) return { ...config.vapid, subject: config.vapidSubject };
  const fresh = webpush.generateVAPIDKeys();
  await database.db
    .insertInto('server_secrets')
    .values({ name: 'vapid_keys', value: JSON.stringify(fresh) })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await database.db.selectFrom('server_secrets').select('value').where('name', '=', 'vapid_keys').executeTakeFirstOrThrow();
  const kept = JSON.parse(row.value) as { publicKey: string; privateKey: string };
  return { publicKey: kept.publicKey, privateKey: kept.privateKey, subject: config.vapidSubject };
}
