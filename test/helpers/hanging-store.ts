/**
 * One shared presence store (a MemoryPresenceStore, shared by the instances as Redis is) that
 * goes away as Redis does, in-process and on the test's timings:
 * - `refuse()`: every command fails at once (Redis down: the connection is refused);
 * - `freeze()`: every command waits (a hung Redis, or a partition: a proxy holding every byte),
 *   and fails once `commandTimeoutMs` passed unanswered (RedisPresenceStore's command timeout);
 *   `restore()` before that runs it (the bytes flow again);
 * - `restore()`: back to answering.
 * `client()` is what one instance is given; `gone()` drops what that instance still has waiting,
 * as its process exiting would (a command never sent runs nowhere).
 */
import { MemoryPresenceStore } from '../../src/server/adapters/presence-store-memory.js';
import type { InstanceCard, PresenceStore, SharedState, StoredReplica, Version } from '../../src/server/ports/presence-store.js';

type Mode = 'up' | 'refused' | 'frozen';

interface Waiting {
  run: () => void;
  drop: () => void;
}

export class HangingStore {
  readonly inner = new MemoryPresenceStore();
  #mode: Mode = 'up';
  readonly #waiting = new Set<Waiting>();

  /**
   * `commandTimeoutMs`: how long a command waits on a frozen store before it fails; `leaveMs`:
   * how long leave() waits before giving up without failing (RedisPresenceStore.leave, bounded).
   */
  constructor(private readonly timings: { commandTimeoutMs: number; leaveMs: number }) {}

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
  client(): PresenceStore & { gone(): void } {
    const mine = new Set<Waiting>();
    const call = <T>(command: () => Promise<T>): Promise<T> => this.#call(command, mine);
    const { inner } = this;
    const leaveMs = this.timings.leaveMs;
    return {
      shared: true,
      connect: async () => {},
      save: (userId: number, instanceId: string, state: SharedState, version: Version) => call(() => inner.save(userId, instanceId, state, version)),
      load: (ids: readonly number[], live: ReadonlySet<string> | null): Promise<Map<number, StoredReplica>> => call(() => inner.load(ids, live)),
      forget: (userId: number) => call(() => inner.forget(userId)),
      heartbeat: (instanceId: string, now: number, saturated?: boolean) => call(() => inner.heartbeat(instanceId, now, saturated)),
      putCard: (instanceId: string, card: InstanceCard) => call(() => inner.putCard(instanceId, card)),
      cards: (instanceIds: readonly string[]) => call(() => inner.cards(instanceIds)).catch(() => null),
      liveInstances: (now: number, deadAfterMs: number) => call(() => inner.liveInstances(now, deadAfterMs)).catch(() => null),
      saturatedInstances: (now: number, withinMs: number) => call(() => inner.saturatedInstances(now, withinMs)).catch(() => null),
      // As RedisPresenceStore's: bounded, and never failing the stop.
      leave: async (instanceId: string) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, leaveMs)));
        await Promise.race([call(() => inner.leave(instanceId)).catch(() => {}), late]);
        clearTimeout(timer);
      },
      close: async () => {},
      gone: () => {
        for (const w of [...mine]) w.drop();
      },
    };
  }

  #call<T>(command: () => Promise<T>, mine: Set<Waiting>): Promise<T> {
    if (this.#mode === 'up') return command();
    if (this.#mode === 'refused') return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
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
