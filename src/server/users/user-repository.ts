/** Accounts: creation, lookup, prefix search, roles and privacy settings. */
import type { Role, Settings, User } from '../../protocol/index.js';
import type { Db } from '../db/database.js';
import { slices } from '../db/batches.js';
import { bytewise } from '../db/bytewise.js';
import { withNameLock } from '../db/user-locks.js';
import type { ShownStatusVisibility } from '../presence/types.js';
import { usernameSkeleton } from './username-skeleton.js';

export interface UserRecord extends User {
  passwordHash: string;
}

export interface NewUser {
  username: string;
  displayName: string;
  passwordHash: string;
  role: Role;
  now: number;
}

/** Why a username cannot be registered: see UserRepository.register. */
export type UsernameClash = 'taken' | 'lookalike';

const PUBLIC_COLUMNS = ['id', 'username', 'display_name', 'role'] as const;

const SETTINGS_COLUMNS = ['status_visibility', 'activity_visibility', 'last_seen_visibility', 'custom_message_visibility', 'last_seen_approximate_visibility', 'pattern_visibility'] as const;

/** Settings as a save left them: their version moves on by one at every save. */
export interface StoredSettings {
  settings: Settings;
  version: number;
  hiddenLastSeen: number | null;
  /** While hidden: the status audience the user had when they hid (see Subject.visibilityBeforeHidden). */
  visibilityBeforeHidden: ShownStatusVisibility | null;
}

const SHOWN_VISIBILITIES: readonly ShownStatusVisibility[] = ['public', 'friends', 'close_friends'];

/**
 * A stored users.visibility_before_hidden: null when it holds no status audience (not hidden;
 * or hidden by an instance older than migration 016 during a rolling upgrade, as 021 filled
 * the rows of users who hid before it was kept). One shared string per value, as loaded
 * profiles keep it.
 */
export function storedVisibilityBeforeHidden(v: string | null | undefined): ShownStatusVisibility | null {
  return SHOWN_VISIBILITIES.find((s) => s === v) ?? null;
}

export class UserRepository {
  constructor(private readonly db: Db) {}

  /** Creates a user; null when the username, or one that reads as it, is taken (see register). */
  async create(u: NewUser): Promise<User | null> {
    const made = await this.register(u);
    return typeof made === 'string' ? null : made;
  }

  /**
   * Creates a user, or says why not: `taken`, the username is a user's (ignoring case);
   * `lookalike`, a user's username reads as it (the same skeleton, users/username-skeleton.ts:
   * "IiIy" for "lily"). Checked and inserted under the lock of the skeleton, so two look-alikes
   * registered at once, on one instance or several, never both win. Rows with one skeleton
   * may already be several (from before migration 020): any of them refuses a new one.
   */
  async register(u: NewUser): Promise<User | UsernameClash> {
    const lower = u.username.toLowerCase();
    const skeleton = usernameSkeleton(u.username);
    await this.#fillMissingSkeletons();
    return withNameLock(this.db, skeleton, async (trx) => {
      const alike = await trx.selectFrom('users').select('username_lower').where('username_skeleton', '=', skeleton).execute();
      if (alike.length > 0) return alike.some((r) => r.username_lower === lower) ? 'taken' : 'lookalike';
      const row = await trx
        .insertInto('users')
        .values({
          username: u.username,
          username_lower: lower,
          username_skeleton: skeleton,
          display_name: u.displayName,
          password_hash: u.passwordHash,
          role: u.role,
          created_at: u.now,
          online_status: 'offline',
          status_visibility: 'friends',
          activity_visibility: 'friends',
          last_seen_visibility: 'friends',
          custom_message_visibility: 'friends',
        })
        // A row an older Beacon inserts at this moment has no skeleton yet: the unique name still refuses its username.
        .onConflict((oc) => oc.column('username_lower').doNothing())
        .returning(PUBLIC_COLUMNS)
        .executeTakeFirst();
      return row ?? 'taken';
    });
  }

  /**
   * Rows an older Beacon inserted during a rolling deploy have no skeleton (migration 020 filled
   * those before it): given theirs before a registration is checked, so a look-alike of a name
   * registered on an old instance is refused too. An indexed lookup that finds none after the deploy.
   */
  async #fillMissingSkeletons(): Promise<void> {
    const missing = await this.db.selectFrom('users').select(['id', 'username']).where('username_skeleton', 'is', null).limit(1000).execute();
    for (const row of missing) {
      await this.db.updateTable('users').set({ username_skeleton: usernameSkeleton(row.username) }).where('id', '=', row.id).where('username_skeleton', 'is', null).execute();
    }
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    const row = await this.db
      .selectFrom('users')
      .select([...PUBLIC_COLUMNS, 'password_hash'])
      .where('username_lower', '=', username.toLowerCase())
      .executeTakeFirst();
    if (!row) return null;
    const { password_hash, ...user } = row;
    return { ...user, passwordHash: password_hash };
  }

  /** The user with their password hash (a password change checks the current one), or null. */
  async findRecordById(id: number): Promise<UserRecord | null> {
    const row = await this.db.selectFrom('users').select([...PUBLIC_COLUMNS, 'password_hash']).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const { password_hash, ...user } = row;
    return { ...user, passwordHash: password_hash };
  }

  async findById(id: number): Promise<User | null> {
    const row = await this.db.selectFrom('users').select(PUBLIC_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ?? null;
  }

  /**
   * Which of these users were deleted: no row, or one a host's deletion put back marked
   * deleted (`deleted_at`, integration/id-map.ts recreate). Read 500 ids a statement.
   */
  async deletedAmong(ids: readonly number[]): Promise<Set<number>> {
    const gone = new Set(ids);
    for (const part of slices([...gone], 500)) {
      const rows = await this.db.selectFrom('users').select('id').where('id', 'in', part).where('deleted_at', 'is', null).execute();
      for (const r of rows) gone.delete(r.id);
    }
    return gone;
  }

  /** Sets the user's display name; answers the user as it now is (null: no such user). */
  async setDisplayName(id: number, displayName: string): Promise<User | null> {
    const row = await this.db.updateTable('users').set({ display_name: displayName }).where('id', '=', id).returning(PUBLIC_COLUMNS).executeTakeFirst();
    return row ?? null;
  }

  /** Username prefix search, case-insensitive, at most `limit` users ordered by lower-case username (byte order). */
  async searchByPrefix(prefix: string, limit: number): Promise<User[]> {
    return this.searchQuery(prefix, limit).execute();
  }

  /**
   * The search's statement: a range of the lower-case names in byte order, which an index
   * serves (SQLite: the unique one; PostgreSQL: migration 023's), so a search reads at most
   * `limit` entries whatever the number of accounts. Usernames are ASCII ([A-Za-z0-9_], a host
   * user's `~` and hex), so every name that starts with the prefix sorts below prefix + U+FFFF,
   * and nothing needs escaping: `%` or `_` in a query are characters like any other.
   */
  searchQuery(prefix: string, limit: number) {
    const lower = prefix.toLowerCase();
    const name = bytewise(this.db, 'username_lower');
    return this.db.selectFrom('users').select(PUBLIC_COLUMNS).where(name, '>=', lower).where(name, '<', `${lower}\uffff`).orderBy(name).limit(limit);
  }

  /**
   * The status audience the user had when they hid; null when they are not hidden (or hid
   * before Beacon remembered it). Hidden looks like a logout: see privacy.canSeePattern.
   */
  async visibilityBeforeHidden(id: number): Promise<ShownStatusVisibility | null> {
    const row = await this.db.selectFrom('users').select('visibility_before_hidden').where('id', '=', id).executeTakeFirst();
    return storedVisibilityBeforeHidden(row?.visibility_before_hidden);
  }

  /**
   * The settings and, while hidden, the status audience the user had when they hid: in one
   * statement, so a read of a hidden user's settings takes the same work as anyone else's
   * (GET /users/:id/pattern decides from it; a second query for hidden users only would time them).
   */
  async settingsAndAudienceBeforeHidden(id: number): Promise<{ settings: Settings; visibilityBeforeHidden: ShownStatusVisibility | null } | null> {
    const row = await this.db
      .selectFrom('users')
      .select([...SETTINGS_COLUMNS, 'visibility_before_hidden'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    const { visibility_before_hidden, ...settings } = row;
    return { settings, visibilityBeforeHidden: settings.status_visibility === 'hidden' ? storedVisibilityBeforeHidden(visibility_before_hidden) : null };
  }

  async getSettings(id: number): Promise<Settings | null> {
    const row = await this.db
      .selectFrom('users')
      .select(SETTINGS_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ?? null;
  }

  /**
   * Saves a settings patch; answers the whole settings as stored after it (other patches saved
   * at the same moment, from another device or instance, included), with their new version
   * the last_seen a hidden user shows (see Subject.hiddenLastSeen) and the status audience they
   * had when they hid, which decides who sees it; null if there is no such user.
   *
   * `hideAt` is that last_seen if this very write is the one that hides the user. Whether it
   * is, is decided in the UPDATE against the row as it stands, not against what the caller
   * read before: a patch that hides an already hidden user keeps the moment of the first
   * hide, and a patch that does not touch status_visibility leaves hidden_last_seen alone (a
   * patch of another setting saved just after a hide from another device kept writing the
   * value it read before the hide, NULL, and friends saw no last_seen).
   */
  async updateSettings(id: number, patch: Partial<Settings>, hideAt: number | null): Promise<StoredSettings | null> {
    const row = await this.db
      .updateTable('users')
      .set((eb) => ({
        ...patch,
        ...(patch.status_visibility === 'hidden'
          ? {
              hidden_last_seen: eb.case().when('status_visibility', '=', 'hidden').then(eb.ref('hidden_last_seen')).else(hideAt).end(),
              // The audience of the moment the user hid (the row's, before this write): hiding again keeps it.
              visibility_before_hidden: eb.case().when('status_visibility', '=', 'hidden').then(eb.ref('visibility_before_hidden')).else(eb.ref('status_visibility')).end(),
            }
          : patch.status_visibility !== undefined
            ? { visibility_before_hidden: null }
            : {}),
        settings_version: eb('settings_version', '+', 1),
      }))
      .where('id', '=', id)
      .returning([...SETTINGS_COLUMNS, 'settings_version', 'hidden_last_seen', 'visibility_before_hidden'])
      .executeTakeFirst();
    if (!row) return null;
    const { settings_version, hidden_last_seen, visibility_before_hidden, ...settings } = row;
    return {
      settings,
      version: Number(settings_version),
      hiddenLastSeen: hidden_last_seen === null ? null : Number(hidden_last_seen),
      visibilityBeforeHidden: storedVisibilityBeforeHidden(visibility_before_hidden),
    };
  }
}
