/**
 * What a bus outage may have lost besides presence (which Replicas resyncs), and how this
 * instance catches up when its bus returns. While the bus is down, events published here reach
 * this instance's sockets only; the others never hear them, and an instance whose bus stayed up
 * never catches up by itself. So this instance remembers, while down:
 * - the users whose friend list changed through it (befriended, unfriended, a category): the
 *   instances holding those lists re-read them (`friends_changed`);
 * - the users whose category change it announced (`friend_updated`): sent again with the
 *   category held now;
 * - the friend-request frames it published (held-request-frames.ts), published again, saying how
 *   long ago they were first published: they reach only the sockets opened before then;
 * - the blocks it changed (outage-block-changes.ts): `block_changed` published again, with
 *   the block held now.
 * What is sent again states the category or block held now, read again where it reaches sockets
 * (repeated-states.ts): it never lands after a newer change of the same pair.
 * And for what others did while it was down: its connected viewers re-read their friend lists,
 * get again the `friend_updated` of changes made since just before the outage, and logins
 * revoked meanwhile are ended (read every second during the outage too: ended-logins.ts).
 * All of it lives in the database, but for the request frames and block changes others
 * published while this one could not hear (at once, or again when their own bus came back): it
 * says on RETURNS_TOPIC that its bus is back, and they send those again to it alone. Until the lists are
 * re-read, after its own outage or on hearing another instance's bus is back, what other
 * instances say waits (stale-friend-lists.ts).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Friend } from '../../protocol/index.js';
import type { GraphEvent } from '../friends/friends-service.js';
import type { BusMessage, EventBus } from '../ports/event-bus.js';
import { onBusOutages } from './bus-outages.js';
import { DeliveredRequestFrames, HeldRequestFrames, isRequestFrame, requestEvent, resent, type PendingRequests, type RequestEvent, type RequestFrame } from './held-request-frames.js';
import { isBlockChange, OutageBlockChanges, type BlockChange, type BlockPair, type BlocksHeld } from './outage-block-changes.js';
import { userTopic, type PresenceEvent } from './presence-events.js';
import type { RepeatedStates } from './repeated-states.js';
import type { StaleFriendLists } from './stale-friend-lists.js';

/**
 * After a bus outage, category changes made since this long before this instance saw the bus go
 * are sent again as `friend_updated`: an instance's clock may be behind another's, and a
 * connection may die a moment before it is seen to. A repeat is harmless: it states the category
 * held now, read where it reaches sockets, and never lands after a newer change (repeated-states.ts).
 */
const FRIEND_UPDATES_MARGIN_MS = 60_000;

/**
 * Every instance's topic for `bus_returned` (an instance's bus is back after `downForMs`).
 * The answer, `request_frames`, goes to that instance alone, on its own topic (answersTopic):
 * after an outage of every bus, N instances answer each other, and none reads the others'
 * answers. Instances of older versions neither subscribe nor answer.
 */
export const RETURNS_TOPIC = 'instances:bus-returned';
/** The topic on which one instance receives the request frames sent to it again. */
export const answersTopic = (instanceId: string): string => `instances:${instanceId}:request-frames`;
/**
 * Request frames published since this long before an instance saw its bus go are sent to it
 * again, and an instance sends its own again: a connection may die up to a probe interval plus
 * its timeout (5 + 5 s, bus-redis.ts) before it is seen to, and timers run late. A frame
 * already had is dropped where it arrives (DeliveredRequestFrames).
 */
const REQUEST_FRAMES_MARGIN_MS = 30_000;
/** Request frames per `request_frames` message, block changes per `block_changes` message. */
const FRAMES_PER_MESSAGE = 100;

export interface CatchUpDeps {
  bus: EventBus;
  /**
   * Whether other instances may exist (the presence store is shared). Alone, no instance can
   * have missed a frame published here or send one here again: nothing is remembered for them.
   */
  shared: boolean;
  now: () => number;
  /** Reads the logins with a socket here again, ending those ended elsewhere meanwhile (ended-logins.ts); answers how many. */
  recheckLogins: () => Promise<number>;
  log: FastifyBaseLogger;
  /** PresenceDeps.categoriesSetSince (standalone mode only). */
  categoriesSetSince?: (userIds: readonly number[], since: number) => Promise<Array<{ userId: number; friend: Friend }>>;
  /** PresenceDeps.pendingRequests (standalone mode only). */
  pendingRequests?: PendingRequests;
  /** PresenceDeps.blocksHeld (standalone mode only; without it no block change is sent again). */
  blocksHeld?: BlocksHeld;
  /** The logins with a socket here, by login session id. */
  logins: () => ReadonlyMap<string, { userId: number }>;
  /** Re-reads the connected viewers' friend lists, holding what other instances say until then. */
  lists: Pick<StaleFriendLists, 'hold' | 'reread' | 'returned' | 'caughtUp'>;
  /** This instance's gateway (friend-request frames). */
  sink: (e: PresenceEvent) => void;
  /** Where the categories and blocks sent again reach the sockets here (repeated-states.ts). */
  repeats: Pick<RepeatedStates, 'read' | 'recheck'>;
}

export class OutageCatchUp {
  /** When this instance last saw the bus go down (null: healthy since the last catch-up). */
  #busDownAt: number | null;
  /** Users whose `friend_updated` this instance published while the bus was down. */
  readonly #unsharedFriendUpdates = new Set<number>();
  /** Users whose friend list changed through this instance while the bus was down. */
  readonly #unsharedGraph = new Set<number>();
  /** Friend-request frames this instance published while the bus was down. */
  readonly #heldRequests = new HeldRequestFrames();
  /** Friend-request frames that reached this instance's sockets lately. */
  readonly #delivered = new DeliveredRequestFrames();
  /** Block changes published here while the bus was down, or lately. */
  readonly #blocks = new OutageBlockChanges();

  constructor(private readonly deps: CatchUpDeps) {
    const { bus, now, log, lists } = deps;
    // A bus not connected yet (Redis at start) counts as down since now.
    this.#busDownAt = bus.isHealthy() ? null : now();
    if (!bus.isHealthy()) lists.hold();
    onBusOutages(bus, {
      down: () => {
        this.#busDownAt ??= now();
        lists.hold();
      },
      // The re-read starts at once, whatever fails in the rest of the catch-up: it ends the hold.
      back: () => void this.#catchUp(lists.reread()).catch((err: unknown) => log.error({ err }, 'catch-up after bus outage failed')),
      // Otherwise nothing to recheck, no one to ask for frames.
      servedBeforeFirstConnection: () => this.#servedAnything(),
      firstConnection: () => {
        this.#busDownAt = null;
        // No viewer here (nothing served): ends the hold at once.
        void lists.reread();
      },
    });
    const answers = answersTopic(bus.instanceId);
    bus.subscribe(RETURNS_TOPIC);
    bus.subscribe(answers);
    bus.onMessage((topic, message, origin) => {
      if ((topic === RETURNS_TOPIC || topic === answers) && origin !== bus.instanceId) this.#onReturns(message, origin);
    });
  }

  /** A friend-graph change made through this instance, as it is published. */
  graphChanged(e: GraphEvent): void {
    if (e.kind === 'block_changed') {
      // Alone, no instance can have missed it.
      if (this.deps.shared && this.deps.blocksHeld) this.#blocks.changed({ viewerId: e.userId, subjectId: e.otherId }, this.deps.bus.isHealthy(), this.deps.now());
      return;
    }
    if (this.deps.bus.isHealthy()) return;
    if (e.kind === 'befriended' || e.kind === 'unfriended') this.#unsharedGraph.add(e.a).add(e.b);
    else if (e.kind === 'category_changed') {
      this.#unsharedGraph.add(e.friendId);
      if (e.friend) this.#unsharedFriendUpdates.add(e.userId);
    }
  }

  /** A friend-request frame published through this instance. */
  requestFrame(frame: RequestFrame): void {
    if (!this.deps.shared) return;
    if (!this.deps.bus.isHealthy()) this.#heldRequests.hold(frame, this.deps.now());
    else this.#heldRequests.sent(frame, this.deps.now());
  }

  /**
   * A friend-request frame from the bus as it goes to this instance's sockets, or null if it
   * already reached them (noted as delivered). One sent again after an outage goes only to the
   * sockets opened before it was first published (requestEvent).
   */
  deliverRequestFrame(frame: RequestFrame): RequestEvent | null {
    return !this.deps.shared || this.#delivered.add(frame) ? requestEvent(frame, this.deps.now()) : null;
  }

  /** A socket here, or something published that the other instances missed. */
  #servedAnything(): boolean {
    return this.deps.logins().size > 0 || this.#heldRequests.held > 0 || this.#unsharedGraph.size > 0 || this.#unsharedFriendUpdates.size > 0 || this.#blocks.unshared > 0;
  }

  /** The users with a socket here (by their logins). */
  #viewersHere(logins = this.deps.logins()): Set<number> {
    return new Set(Array.from(logins.values(), (l) => l.userId));
  }

  #pending(): PendingRequests {
    return this.deps.pendingRequests ?? (async (ids) => new Set(ids));
  }

  #onReturns(message: BusMessage, origin: string): void {
    const { bus, sink, log } = this.deps;
    if (message.kind === 'bus_returned' && typeof message.downForMs === 'number') {
      // What it did while down (an unfriending, a block) never reached the lists here: they are
      // read again, once it says it is caught up, before anything it says is applied (its reload of a user's status).
      this.deps.lists.returned(origin);
      // Another instance's bus is back: the request frames this one published while it could not hear, to it alone.
      const since = this.deps.now() - message.downForMs - REQUEST_FRAMES_MARGIN_MS;
      void this.#heldRequests
        .releasedSince(since, this.deps.now(), this.#pending())
        .then((kept) => {
          const frames = kept.map((k) => resent(k, this.deps.now()));
          for (let i = 0; i < frames.length; i += FRAMES_PER_MESSAGE) bus.publishRemote(answersTopic(origin), { kind: 'request_frames', to: origin, frames: frames.slice(i, i + FRAMES_PER_MESSAGE) });
        })
        .catch((err: unknown) => log.error({ err }, 'friend-request frames not sent again to an instance whose bus returned; its users see them when they reload their requests'));
      // And the block changes published here since, as they hold now.
      void this.#blocksNow(this.#blocks.since(since, this.deps.now()))
        .then((changes) => {
          for (let i = 0; i < changes.length; i += FRAMES_PER_MESSAGE) bus.publishRemote(answersTopic(origin), { kind: 'block_changes', to: origin, changes: changes.slice(i, i + FRAMES_PER_MESSAGE) });
        })
        .catch((err: unknown) => log.error({ err }, 'block changes not sent again to an instance whose bus returned; its users see them when they reload their blocked list'));
    } else if (message.kind === 'caught_up') {
      this.deps.lists.caughtUp(origin);
    } else if (message.kind === 'request_frames' && message.to === bus.instanceId && Array.isArray(message.frames)) {
      // Only frames for viewers with a socket here: the others would reach no one, and would push
      // frames really delivered out of the bounded record of what was (DeliveredRequestFrames).
      const here = this.#viewersHere();
      for (const frame of message.frames) if (isRequestFrame(frame) && here.has(frame.viewerId) && this.#delivered.add(frame)) sink(requestEvent(frame, this.deps.now()));
    } else if (message.kind === 'block_changes' && message.to === bus.instanceId && Array.isArray(message.changes)) {
      // Each states the block held when it was read there: read again here, so that none lands
      // after a newer change the blocker made meanwhile (a repeat of one already had is harmless).
      const here = this.#viewersHere();
      this.deps.repeats.recheck(message.changes.filter((c): c is BlockChange => isBlockChange(c) && here.has(c.viewerId)));
    }
  }

  /** `reread`: the connected viewers' friend lists read again (started on the bus's return). */
  async #catchUp(reread: Promise<number>): Promise<void> {
    const { bus, recheckLogins, log, now } = this.deps;
    const downAt = this.#busDownAt;
    this.#busDownAt = null;
    // The others' request frames published while this one could not hear (theirs back first, or this one's alone down): asked for again.
    if (downAt !== null) bus.publishRemote(RETURNS_TOPIC, { kind: 'bus_returned', downForMs: Math.max(0, now() - downAt) });
    const unshared = [...this.#unsharedFriendUpdates];
    this.#unsharedFriendUpdates.clear();
    // Before friends_changed: an accepted request's close comes before the friend it added.
    // First those published with the bus still seen up shortly before it went: they may have died
    // on the wire before the outage was noticed (the receivers drop any they had). Read before
    // the release, which records what it releases as sent now.
    const lately = downAt === null ? [] : await this.#heldRequests.releasedSince(downAt - REQUEST_FRAMES_MARGIN_MS, now(), this.#pending());
    const requests = await this.#heldRequests.release(this.#pending(), now());
    // Each with how long ago it was first published: only the sockets opened before then get it.
    for (const kept of [...lately, ...requests]) bus.publishRemote(userTopic(kept.frame.viewerId), resent(kept, now()));
    for (const viewerId of this.#unsharedGraph) bus.publishRemote(userTopic(viewerId), { kind: 'friends_changed', viewerId });
    // The blocks changed here while down, or shortly before (they may have died on the wire), as they hold now.
    const blocks = await this.#blocksNow(this.#blocks.release(downAt === null ? now() : downAt - REQUEST_FRAMES_MARGIN_MS, now())).catch((err: unknown) => {
      log.error({ err }, 'block changes made during the bus outage not sent again; the blocker’s other devices see them when they reload their blocked list');
      return [];
    });
    // Read again where they arrive (older instances take them as they are).
    for (const change of blocks) bus.publishRemote(userTopic(change.viewerId), { ...change, repeat: true });
    // The others re-read their viewers' lists now: after the request frames (a request's close before the friend it added).
    if (downAt !== null) bus.publishRemote(RETURNS_TOPIC, { kind: 'caught_up' });
    const graphChanged = this.#unsharedGraph.size;
    this.#unsharedGraph.clear();
    await reread;
    const logins = this.deps.logins();
    const viewers = [...this.#viewersHere(logins)];
    const friendUpdates = downAt === null ? 0 : await this.#resendFriendUpdates(viewers, unshared, downAt - FRIEND_UPDATES_MARGIN_MS);
    const ended = await recheckLogins();
    log.info({ viewers: viewers.length, logins: logins.size, ended, friendUpdates, graphChanged, requestFrames: requests.length + lately.length, blockChanges: blocks.length }, 'friend graph and logins rechecked after the bus returned');
  }

  /** The blocks these pairs hold now, as `block_changed`. */
  async #blocksNow(pairs: readonly BlockPair[]): Promise<BlockChange[]> {
    const read = this.deps.blocksHeld;
    return read && pairs.length > 0 ? read(pairs) : [];
  }

  /**
   * `friend_updated` the outage may have dropped, sent again with the category held now: to the
   * sockets here of users connected here, for the changes they made anywhere since `since`
   * (unless a newer frame of the pair reached them during the read); and, over the bus, to the
   * other instances' sockets of users who made a change here while the bus was down (read again
   * there). Answers how many.
   */
  async #resendFriendUpdates(viewers: readonly number[], unshared: readonly number[], since: number): Promise<number> {
    const read = this.deps.categoriesSetSince;
    if (!read || (viewers.length === 0 && unshared.length === 0)) return 0;
    const here = new Set(viewers);
    const elsewhere = new Set(unshared);
    let count = 0;
    await this.deps.repeats.read(async () => {
      const changes = await read([...new Set([...viewers, ...unshared])], since);
      count = changes.length;
      const events = changes.map(({ userId, friend }) => ({ kind: 'friend_updated', viewerId: userId, friend }) as const);
      for (const event of events) if (elsewhere.has(event.viewerId)) this.deps.bus.publishRemote(userTopic(event.viewerId), { ...event, repeat: true });
      return events.filter((e) => here.has(e.viewerId));
    });
    return count;
  }
}
