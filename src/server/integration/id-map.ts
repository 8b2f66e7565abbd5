/**
 * Host ids ↔ Beacon's integer ids. A host's user becomes a shadow `users` row (found by
 * `external_id`) the first time Beacon sees them — as a token's owner, someone's friend or a
 * game's player — so presence tables keep their foreign keys. Shadow rows cannot log in: their
 * username starts with `~` (never a valid Beacon username) and they have no password. The
 * host's names are display names here and the host's own to police: Beacon refuses no
 * look-alike of them. The row's `username_skeleton` is its `~` username's, as for every row
 * (a `~` never folds, so it never meets a Beacon username's).
 */
import { randomBytes } from 'node:crypto';
import { PostgresAdapter, sql } from 'kysely';
import { MAX_ID, type Role } from '../../protocol/index.js';
import { HOST_ID_RULE, isHostId } from '../../protocol/integration.js';
import type { Db } from '../db/database.js';
import type { HostUserId } from '../ports/identity.js';
import { hostDisplayName } from '../users/display-name.js';
import { usernameSkeleton } from '../users/username-skeleton.js';

const CHUNK = 500;
/** Host ids per statement on PostgreSQL, where a list is one array parameter. */
const PG_CHUNK = 10_000;

/** A host id as Beacon stores it; throws on one that cannot be an id (isHostId, the one rule). */
export function hostId(id: HostUserId): string {
  if (!isHostId(id)) throw new TypeError(`host user id must be ${HOST_ID_RULE}`);
  return String(id);
}

/**
 * A host's name as Beacon shows it (users/display-name.ts, the rules of Beacon's own names):
 * line breaks, control characters and bidi controls become spaces (a name must not write lines
 * into a friend's notification or reverse the text around it), trimmed, at most 40 characters
 * (as the users table takes it); `?` when nothing visible is left, blank or only invisible
 * characters.
 */
export const clipName = (name: string): string => hostDisplayName(name);

export class IdMap {
  readonly #toInternal = new Map<string, number>();
  readonly #toExternal = new Map<number, string>();

  readonly #postgres: boolean;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {
    this.#postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /**
   * The internal ids of these host users, creating shadow rows for those never seen (unless
   * `create` is false). With `create: 'unseen'` (a sign-out of a user Beacon never saw, whose row
   * only dates it) the rows made are marked deleted as they are made, so lookups and game events
   * still leave the user out (a row found, one that a sign-in made meanwhile say, is left as it
   * is). `skipDeleted` (lookups, game events) also leaves out those the host deleted
   * since Beacon last saw them: their row stays only to date the refusal of their old tokens, and
   * until they sign in or `PUT /service/users` names them they are as users never seen.
   */
  async internal(ids: readonly HostUserId[], { create = true, skipDeleted = false }: { create?: boolean | 'unseen'; skipDeleted?: boolean } = {}): Promise<Map<string, number>> {
    const out = await this.#internal(ids, create);
    if (!skipDeleted) return out;
    const known = new Set(await this.#notDeleted([...out.values()]));
    return new Map([...out].filter(([, id]) => known.has(id)));
  }

  async #internal(ids: readonly HostUserId[], create: boolean | 'unseen'): Promise<Map<string, number>> {
    const wanted = [...new Set(ids.map(hostId))];
    const deletedAt = create === 'unseen' ? this.now() : null;
    const out = new Map<string, number>();
    const missing = wanted.filter((id) => {
      const known = this.#toInternal.get(id);
      if (known !== undefined) out.set(id, known);
      return known === undefined;
    });
    // PostgreSQL takes a whole list as one array parameter (set-based: one read, one insert per
    // kind of row); SQLite binds each value, in chunks.
    const chunk = this.#postgres ? PG_CHUNK : CHUNK;
    /** Host users whose id cannot be Beacon's (a string, an integer past 2,147,483,647, an id taken). */
    let left: string[] = [];
    for (let i = 0; i < missing.length; i += chunk) {
      const part = missing.slice(i, i + chunk);
      // Those the database holds already (seen by another instance, or before a restart): one read.
      const found = await this.#find(part, out);
      if (!create || found.size === part.length) continue;
      const todo = part.filter((id) => !found.has(id));
      // A host's integer id becomes Beacon's id too (views then name users as the host does).
      // Each insert answers the rows it made (RETURNING): no read after it unless one was not made.
      const kept = todo.flatMap((id) => {
        const own = keptId(id);
        return own === undefined ? [] : [shadowRow(id, this.now(), own, deletedAt)];
      });
      await this.#insert(kept, out);
      let rest = todo.filter((id) => !out.has(id));
      // Not made: another request made them meanwhile, or the id the row asked for was taken.
      if (kept.some((r) => !out.has(r.external_id))) {
        await this.#find(rest, out);
        rest = rest.filter((id) => !out.has(id));
      }
      left = left.concat(rest);
    }
    // The rest get ids counted down from the top (#takeFromTheTop: never the same twice), all in
    // one take; again for one that a host's kept id holds, or that another request made meanwhile.
    for (let tries = 0; tries < 5 && left.length > 0; tries++) {
      const free = await this.#takeFromTheTop(left.length);
      const rows = left.map((id, i) => shadowRow(id, this.now(), free[i]!, deletedAt));
      for (let i = 0; i < rows.length; i += chunk) await this.#insert(rows.slice(i, i + chunk), out);
      left = left.filter((id) => !out.has(id));
      for (let i = 0; i < left.length; i += chunk) await this.#find(left.slice(i, i + chunk), out);
      left = left.filter((id) => !out.has(id));
    }
    if (left.length > 0) throw new Error('could not create shadow users: every id given was taken');
    return out;
  }

  /** The internal id of one host user (created on first sight). */
  async one(id: HostUserId): Promise<number> {
    return (await this.internal([id])).get(hostId(id))!;
  }

  /** The host ids of these internal ids; Beacon's own accounts (no host id) are left out, and with `skipDeleted` those `internal` skips. */
  async external(ids: readonly number[], { skipDeleted = false } = {}): Promise<Map<number, string>> {
    const out = await this.#external(ids);
    if (!skipDeleted) return out;
    const known = new Set(await this.#notDeleted([...out.keys()]));
    return new Map([...out].filter(([id]) => known.has(id)));
  }

  async #external(ids: readonly number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    const missing = [...new Set(ids)].filter((id) => {
      const known = this.#toExternal.get(id);
      if (known !== undefined) out.set(id, known);
      return known === undefined;
    });
    for (let i = 0; i < missing.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('users')
        .select(['id', 'external_id'])
        .where('id', 'in', missing.slice(i, i + CHUNK))
        .where('external_id', 'is not', null)
        .execute();
      for (const r of rows) {
        this.#remember(r.external_id!, r.id);
        out.set(r.id, r.external_id!);
      }
    }
    return out;
  }

  /**
   * The host renamed the user now (service API): the name is taken whatever a token said
   * before, and tokens issued before this moment no longer name the user back. Answers whether
   * the name changed.
   */
  async rename(id: number, name: string, now: number): Promise<boolean> {
    const displayName = clipName(name);
    const before = await this.db.selectFrom('users').select('display_name').where('id', '=', id).executeTakeFirst();
    await this.db
      .updateTable('users')
      .set((eb) => ({
        display_name: displayName,
        name_at: eb.case().when(eb.or([eb('name_at', 'is', null), eb('name_at', '<', now)])).then(now).else(eb.ref('name_at')).end(),
      }))
      .where('id', '=', id)
      .execute();
    return before !== undefined && before.display_name !== displayName;
  }

  /**
   * `rename` for many users at once (PUT /service/users): the last name given for a user wins;
   * answers the ids whose name changed. One read and, on PostgreSQL, one update (the names as
   * arrays) rather than a read and a write per user: 1,000 users took ~0.8 s there.
   */
  async renameMany(entries: ReadonlyArray<readonly [number, string]>, now: number): Promise<number[]> {
    const names = new Map<number, string>();
    for (const [id, name] of entries) names.set(id, clipName(name));
    if (names.size === 0) return [];
    const ids = [...names.keys()];
    const before = new Map<number, string>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', ids.slice(i, i + CHUNK)).execute();
      for (const r of rows) before.set(r.id, r.display_name);
    }
    if (this.#postgres) {
      await sql`UPDATE users SET display_name = v.d, name_at = CASE WHEN users.name_at IS NULL OR users.name_at < ${now} THEN ${now} ELSE users.name_at END
        FROM unnest(${ids}::int[], ${ids.map((id) => names.get(id)!)}::text[]) AS v(i, d) WHERE users.id = v.i`.execute(this.db);
    } else {
      await this.db.transaction().execute(async (trx) => {
        for (const [id, displayName] of names) {
          await trx
            .updateTable('users')
            .set((eb) => ({ display_name: displayName, name_at: eb.case().when(eb.or([eb('name_at', 'is', null), eb('name_at', '<', now)])).then(now).else(eb.ref('name_at')).end() }))
            .where('id', '=', id)
            .execute();
        }
      });
    }
    return ids.filter((id) => before.has(id) && before.get(id) !== names.get(id));
  }

  /**
   * Keeps the shadow row's name and role as the host last said (written only when they change);
   * answers whether the name changed. `at`: when the name was said (a token's issue time, a
   * service-API rename's now): a name said before the last dated one is not taken, so a token
   * issued before a rename does not name the user back. Undated (null), a name is taken only
   * while no dated source has named the user.
   */
  async describe(id: number, name: string | undefined, role: Role | undefined, at: number | null): Promise<boolean> {
    if (role !== undefined) await this.db.updateTable('users').set({ role }).where('id', '=', id).where('role', '!=', role).execute();
    if (name === undefined) return false;
    const displayName = clipName(name);
    const current = at === null ? undefined : { display_name: displayName, name_at: at };
    const res = await this.db
      .updateTable('users')
      .set(current ?? { display_name: displayName })
      .where('id', '=', id)
      .where('display_name', '!=', displayName)
      .where((eb) => (at === null ? eb('name_at', 'is', null) : eb.or([eb('name_at', 'is', null), eb('name_at', '<=', at)])))
      .executeTakeFirst();
    const renamed = Number(res.numUpdatedRows) > 0;
    // The same name said again, later: only its date moves on (no rename to tell anyone of).
    if (!renamed && current) {
      await this.db
        .updateTable('users')
        .set({ name_at: at })
        .where('id', '=', id)
        .where('display_name', '=', displayName)
        .where((eb) => eb.or([eb('name_at', 'is', null), eb('name_at', '<', at!)]))
        .execute();
    }
    return renamed;
  }

  /** Inserts shadow rows (those whose id or host id is taken are skipped); the ones made go in `out`. */
  async #insert(rows: Array<ReturnType<typeof shadowRow>>, out: Map<string, number>): Promise<void> {
    if (rows.length === 0) return;
    const made = this.#postgres ? await this.#insertUnnest(rows) : await this.#insertValues(rows);
    for (const r of made) this.#remember(r.external_id!, r.id, out);
  }

  async #insertValues(rows: ReadonlyArray<ReturnType<typeof shadowRow> & Partial<Record<'settings_version' | 'schedule_version' | 'calendar_version', number>>>): Promise<Array<{ id: number; external_id: string | null }>> {
    return this.db.insertInto('users').values([...rows]).onConflict((oc) => oc.doNothing()).returning(['id', 'external_id']).execute();
  }

  /**
   * PostgreSQL: the rows as a few array parameters (unnest), whatever their number:
   * 5,000 shadow rows bound value by value (14 parameters each, in statements of 500) took most
   * of a 5,000-friend list's replace.
   */
  async #insertUnnest(rows: Array<ReturnType<typeof shadowRow>>): Promise<Array<{ id: number; external_id: string | null }>> {
    const r0 = rows[0]!;
    const usernames = rows.map((r) => r.username);
    const skeletons = rows.map((r) => r.username_skeleton);
    const names = rows.map((r) => r.display_name);
    const externals = rows.map((r) => r.external_id);
    const columns = sql`username, username_lower, username_skeleton, display_name, password_hash, role, created_at, online_status, status_visibility, activity_visibility, last_seen_visibility, custom_message_visibility, deleted_at, external_id`;
    const same = sql`t.u, t.u, t.s, t.d, ${r0.password_hash}, ${r0.role}, ${r0.created_at}, ${r0.online_status}, ${r0.status_visibility}, ${r0.activity_visibility}, ${r0.last_seen_visibility}, ${r0.custom_message_visibility}, ${r0.deleted_at}::bigint, t.e`;
    const query = sql<{ id: number; external_id: string }>`INSERT INTO users (id, ${columns}) SELECT t.i, ${same} FROM unnest(${rows.map((r) => r.id)}::int[], ${usernames}::text[], ${skeletons}::text[], ${names}::text[], ${externals}::text[]) AS t(i, u, s, d, e) ON CONFLICT DO NOTHING RETURNING id, external_id`;
    return (await query.execute(this.db)).rows;
  }

  /**
   * `n` ids for host users whose id cannot be Beacon's (a string, an integer past 2,147,483,647,
   * an id taken), counted down from 2,147,483,647 by one shared counter (migration 017): one
   * atomic statement, so two requests or instances never get the same id, and an id is never
   * handed out again, even once its user is deleted. A host's integer ids are kept as Beacon's and
   * count up from 1: had these come from the database's own numbering (the highest id plus one),
   * each would take the id of the host's next user, who would then take the one after, and so on,
   * every later user a number off.
   */
  async #takeFromTheTop(n: number): Promise<number[]> {
    const row = await this.db
      .updateTable('id_counters')
      .set((eb) => ({ next: eb('next', '-', n) }))
      .where('name', '=', 'host')
      .returning('next')
      .executeTakeFirstOrThrow();
    const low = Number(row.next);
    if (low < FROM_THE_TOP_FLOOR) throw new Error('no ids left for host users whose ids cannot be kept');
    return Array.from({ length: n }, (_, i) => low + n - 1 - i);
  }

  async #find(part: readonly string[], out: Map<string, number>): Promise<Set<string>> {
    if (part.length === 0) return new Set();
    const rows = this.#postgres
      ? (await sql<{ id: number; external_id: string }>`SELECT id, external_id FROM users WHERE external_id = ANY(${[...part]}::text[])`.execute(this.db)).rows
      : await this.db.selectFrom('users').select(['id', 'external_id']).where('external_id', 'in', part).execute();
    for (const r of rows) this.#remember(r.external_id!, r.id, out);
    return new Set(rows.map((r) => r.external_id!));
  }

  /**
   * Puts back a fresh shadow row (default name and settings, nothing else) for a host user
   * whose row was just deleted with everything about them: the id stays mapped, so every
   * instance's memory of the mapping stays right, and the user is as one never seen.
   */
  async recreate(id: number, external: HostUserId, versions: RowVersions | null = null): Promise<void> {
    // Marked deleted (`deleted_at`) until the user is seen again: game events skip them.
    const row = shadowRow(hostId(external), this.now(), id, this.now());
    // Past the deleted row's versions: a copy of the old user that another instance or the
    // shared store still holds must not win over the fresh row (nor over its next writes).
    const after = versions ? { settings_version: versions.settings + 1, schedule_version: versions.schedule + 1, calendar_version: versions.calendar + 1 } : {};
    // The id is this user's for good (ids counted down are never handed out again): a row in
    // its place means something is wrong, and mapping the host user to it would make them another.
    const made = await this.#insertValues([{ ...row, ...after }]);
    if (made.length === 0) throw new Error(`could not put back user ${id}: the id is taken`);
    this.#remember(hostId(external), id);
  }

  /** The host deleted this user of theirs, whom Beacon never saw (their row only dates the refusal of their tokens). */
  async markDeleted(id: number): Promise<void> {
    await this.db.updateTable('users').set({ deleted_at: this.now() }).where('id', '=', id).execute();
  }

  /** The user deleted by the host is seen again (a sign-in, the service API naming them): no longer skipped. */
  async seen(ids: readonly number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      await this.db.updateTable('users').set({ deleted_at: null }).where('id', 'in', ids.slice(i, i + CHUNK)).where('deleted_at', 'is not', null).execute();
    }
  }

  /** Those of these users the host has not deleted since Beacon last saw them (the database says, whichever instance deleted them). */
  async #notDeleted(ids: readonly number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const deleted = new Set<number>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.db.selectFrom('users').select('id').where('id', 'in', ids.slice(i, i + CHUNK)).where('deleted_at', 'is not', null).execute();
      for (const r of rows) deleted.add(r.id);
    }
    return ids.filter((id) => !deleted.has(id));
  }

  /** The versions of the user's settings, schedule and calendar (read before a deletion, for recreate). */
  async versionsOf(id: number): Promise<RowVersions | null> {
    const row = await this.db.selectFrom('users').select(['settings_version', 'schedule_version', 'calendar_version']).where('id', '=', id).executeTakeFirst();
    return row ? { settings: Number(row.settings_version), schedule: Number(row.schedule_version), calendar: Number(row.calendar_version) } : null;
  }

  #remember(external: string, internal: number, out?: Map<string, number>): void {
    this.#toInternal.set(external, internal);
    this.#toExternal.set(internal, external);
    out?.set(external, internal);
  }
}

/** Versions a user's row carries, which replicas compare (settings, schedule, calendar). */
export interface RowVersions {
  settings: number;
  schedule: number;
  calendar: number;
}

const INT_ID = /^[1-9]\d{0,9}$/;
/** Ids counted down from the top stop here (a billion of them). */
const FROM_THE_TOP_FLOOR = 2 ** 30;

/** A host's integer id that can be Beacon's too (1 to MAX_ID), else undefined. */
function keptId(externalId: string): number | undefined {
  return INT_ID.test(externalId) && Number(externalId) <= MAX_ID ? Number(externalId) : undefined;
}

/** A shadow row for a host user, under `id` (the host's own, or one counted down); `deletedAt` marks one not seen (`recreate`, `create: 'unseen'`). */
function shadowRow(externalId: string, now: number, id: number, deletedAt: number | null = null) {
  const username = `~${randomBytes(6).toString('hex')}`;
  return {
    id,
    username,
    username_lower: username,
    username_skeleton: usernameSkeleton(username),
    display_name: clipName(externalId),
    password_hash: '',
    role: 'user' as const,
    created_at: now,
    online_status: 'offline' as const,
    status_visibility: 'friends' as const,
    activity_visibility: 'friends' as const,
    last_seen_visibility: 'friends' as const,
    custom_message_visibility: 'friends' as const,
    deleted_at: deletedAt,
    external_id: externalId,
  };
}
