/**
 * One shared presence store (a MemoryPresenceStore, shared by the instances as Redis is) that
 * goes away as Redis does, in-process and on the test's timings:
 * - `refuse()`: every command fails at once (Redis down: the connection is refused);
 * - `freeze()`: every command waits (a hung Redis, or a partition: a proxy holding every byte),
 *   and fails once `commandTimeoutMs` passed unanswered (RedisPresenceStore's command timeout);
 *   `restore()` before that runs it (the bytes flow again);
 * - `restore()`: back to answering.
 * `client()` is what one instance is given; `gone()` drops what that instance still has waiting,
 * as its process exiting would (a command never sent runs nowhere), and `cutOff(true)` refuses
 * that instance alone (its connection still down, or its clients in their backoff) until
 * `cutOff(false)`. `empty()` plays a Redis restarted without persistence: nothing of before is
 * left (copies, beats, cards).
 */
import { MemoryPresenceStore } from '../../src/server/adapters/presence-store-memory.js';
import type { InstanceCard, LoadOptions, PresenceStore, SharedState, StoredReplica, Version } from '../../src/server/ports/presence-store.js';

type Mode = 'up' | 'refused' | 'frozen';

interface Waiting {
  run: () => void;
  drop: () => void;
}

/** A command of a client whose connection is refused. */
const refused = <T>(): Promise<T> => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));

export class HangingStore {
  #inner: MemoryPresenceStore;
  #mode: Mode = 'up';
  readonly #waiting = new Set<Waiting>();

  /**
   * `commandTimeoutMs`: how long a command waits on a frozen store before it fails; `leaveMs`:
   * how long leave() waits before giving up without failing (RedisPresenceStore.leave, bounded);
   * `now`: the store's clock, which dates the beats (Redis: its TIME; default the process's).
   */
  constructor(private readonly timings: { commandTimeoutMs: number; leaveMs: number; now?: () => number }) {
    this.#inner = this.#fresh();
  }

  #fresh(): MemoryPresenceStore {
    return new MemoryPresenceStore(this.timings.now ? { now: this.timings.now } : {});
  }

  /** What the store holds now (what Redis holds). */
  get inner(): MemoryPresenceStore {
    return this.#inner;
  }

  /** Redis restarted empty: every copy, beat and card is gone. */
  empty(): void {
    this.#inner = this.#fresh();
  }

  refuse(): void {
    this.#mode = 'refused';
  }

  freeze(): void {
    this.#mode = 'frozen';
  }

  restore(): void {
    this.#mode = 'up';
    for (const w of [...this.#waiting]) w.run();
  }

  /** The store as one instance sees it. */
  client(): PresenceStore & { gone(): void; cutOff(cut: boolean): void } {
    const mine = new Set<Waiting>();
    let cut = false;
    const call = <T>(command: () => Promise<T>): Promise<T> => (cut ? refused() : this.#call(command, mine));
    // Read at each command: the store may have been emptied since (empty()).
    const inner = (): MemoryPresenceStore => this.#inner;
    const leaveMs = this.timings.leaveMs;
    return {
      shared: true,
      connect: async () => {},
      save: (userId: number, instanceId: string, state: SharedState, version: Version) => call(() => inner().save(userId, instanceId, state, version)),
      load: (ids: readonly number[], live: ReadonlySet<string> | null, opts?: LoadOptions): Promise<Map<number, StoredReplica>> => call(() => inner().load(ids, live, opts)),
      forget: (userId: number) => call(() => inner().forget(userId)),
      heartbeat: (instanceId: string, saturated?: boolean) => call(() => inner().heartbeat(instanceId, saturated)),
      putCard: (instanceId: string, card: InstanceCard) => call(() => inner().putCard(instanceId, card)),
      cards: (instanceIds: readonly string[]) => call(() => inner().cards(instanceIds)).catch(() => null),
      liveInstances: (deadAfterMs: number) => call(() => inner().liveInstances(deadAfterMs)).catch(() => null),
      saturatedInstances: (withinMs: number) => call(() => inner().saturatedInstances(withinMs)).catch(() => null),
      // As RedisPresenceStore's: bounded, and never failing the stop.
      leave: async (instanceId: string) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, leaveMs)));
        await Promise.race([call(() => inner().leave(instanceId)).catch(() => {}), late]);
        clearTimeout(timer);
      },
      close: async () => {},
      gone: () => {
        for (const w of [...mine]) w.drop();
      },
      cutOff: (on: boolean) => {
        cut = on;
      },
    };
  }

  #call<T>(command: () => Promise<T>, mine: Set<Waiting>): Promise<T> {
    if (this.#mode === 'up') return command();
    if (this.#mode === 'refused') return refused();
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiting.delete(w);
        mine.delete(w);
      };
      const w: Waiting = {
        run: () => {
          done();
          command().then(resolve, reject);
        },
        drop: done,
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error('Command timed out'));
      }, this.timings.commandTimeoutMs);
      this.#waiting.add(w);
      mine.add(w);
    });
  }
}
