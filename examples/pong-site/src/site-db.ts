/** The Pong site's own data: its users and friendships, in its own SQLite database. */
import Database from 'better-sqlite3';

export interface SiteUser {
  id: number;
  name: string;
}

export class SiteDb {
  readonly #db: Database.Database;

  constructor(path = ':memory:') {
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.exec(`
      create table if not exists users (id integer primary key autoincrement, name text not null unique collate nocase, password_hash text not null);
      create table if not exists friends (user_id integer not null references users(id), friend_id integer not null references users(id), primary key (user_id, friend_id));
    `);
  }

  createUser(name: string, passwordHash: string): SiteUser | null {
    const row = this.#db.prepare('insert into users (name, password_hash) values (?, ?) on conflict do nothing returning id, name').get(name, passwordHash) as SiteUser | undefined;
    return row ?? null;
  }

  findByName(name: string): (SiteUser & { password_hash: string }) | null {
    return (this.#db.prepare('select id, name, password_hash from users where name = ?').get(name) as (SiteUser & { password_hash: string }) | undefined) ?? null;
  }

  /** Users by id, in one query (Beacon's profiles port calls this once per batch). */
  usersByIds(ids: readonly number[]): SiteUser[] {
    if (ids.length === 0) return [];
    return this.#db.prepare(`select id, name from users where id in (${ids.map(() => '?').join(',')})`).all(...ids) as SiteUser[];
  }

  friendIds(userId: number): number[] {
    return (this.#db.prepare('select friend_id from friends where user_id = ?').all(userId) as Array<{ friend_id: number }>).map((r) => r.friend_id);
  }

  allFriendships(): Array<[number, number]> {
    return (this.#db.prepare('select user_id, friend_id from friends where user_id < friend_id').all() as Array<{ user_id: number; friend_id: number }>).map((r) => [r.user_id, r.friend_id]);
  }

  addFriend(a: number, b: number): void {
    const add = this.#db.prepare('insert into friends (user_id, friend_id) values (?, ?) on conflict do nothing');
    this.#db.transaction(() => {
      add.run(a, b);
      add.run(b, a);
    })();
  }

  removeFriend(a: number, b: number): boolean {
    const res = this.#db.prepare('delete from friends where (user_id = ? and friend_id = ?) or (user_id = ? and friend_id = ?)').run(a, b, b, a);
    return res.changes > 0;
  }

  close(): void {
    this.#db.close();
  }
}
