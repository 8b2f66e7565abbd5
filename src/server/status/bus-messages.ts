/**
 * The messages on users' bus topics, besides the presence inputs that Replicas shares: what
 * this instance publishes for a friend-graph change (frames for both sides, on every instance),
 * and what it does with each message that reaches it — an input applied to the replica, a frame
 * handed to the gateway, a friend list or a name read again. The message kinds are
 * presence-events.ts.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { GraphEvent } from '../friends/friends-service.js';
import type { BusMessage, EventBus } from '../ports/event-bus.js';
import type { FriendGraph } from './friend-graph.js';
import type { GraphViews } from './graph-views.js';
import type { RequestFrame } from './held-request-frames.js';
import type { OutageCatchUp } from './outage-catch-up.js';
import { isBusEvent, userTopic, type BusEvent, type PresenceEvent, type PresenceInput } from './presence-events.js';
import type { Renames } from './renames.js';
import type { RepeatedStates } from './repeated-states.js';
import type { Replicas } from './replicas.js';
import type { StaleFriendLists } from './stale-friend-lists.js';

export interface BusMessagesDeps {
  bus: EventBus;
  log: FastifyBaseLogger;
  graph: FriendGraph;
  graphViews: GraphViews;
  /** What a bus outage may have lost besides presence (outage-catch-up.ts). */
  catchUp: OutageCatchUp;
  /** Holds what other instances say while this instance's friend lists may be stale after a bus outage. */
  lists: Pick<StaleFriendLists, 'deliver' | 'holding'>;
  replicas: Pick<Replicas, 'whenLoaded' | 'received' | 'reload'>;
  /** Applies one input to this instance's replica of the user. */
  apply(userId: number, input: PresenceInput): void;
  /** Re-reads a loaded user's name after a rename. */
  renames: Pick<Renames, 'reread'>;
  /** The user was deleted: this instance drops what it holds of them (replica-lifecycle.ts). */
  forgetDeleted(userId: number): void;
  /** This instance's gateway. */
  sink(e: PresenceEvent): void;
  /** Where `friend_updated` and `block_changed` reach the sockets here, and those sent again after an outage are read again (repeated-states.ts). */
  repeats: Pick<RepeatedStates, 'deliver' | 'recheck' | 'fromElsewhere'>;
}

/** Every instance's topic for ended logins (BusMessages.revoked). */
export const REVOCATIONS_TOPIC = 'sessions:revoked';

/**
 * What is published on a user's topic in place of a friend-request frame that user is never
 * told of (its sender is blocked by them: the request is shadowed), so that the sender's request
 * or cancel does the bus work of one to a stranger: a publish of the frame's size (its fields,
 * under a kind of the same length) to the same topic, reaching the same instances. Not a
 * BusEvent: every instance drops it as an unknown kind (isBusEvent), older ones too, before
 * anything else is done with it; it reaches no socket.
 */
const STAND_IN_KIND = { request_received: 'request_shadowed', request_sent: 'request_void', request_closed: 'request_hidden' } as const;
export type StandIn = Omit<RequestFrame, 'kind'> & { kind: (typeof STAND_IN_KIND)[RequestFrame['kind']] };

/** The stand-in of `frame` (StandIn): its fields under a kind of the same length. */
export const standIn = (frame: RequestFrame): StandIn => ({ ...frame, kind: STAND_IN_KIND[frame.kind] });

/** Messages never held while the friend lists are re-read after a bus outage (received). */
const UNHELD = new Set<BusEvent['kind']>(['revoked', 'request_received', 'request_sent', 'request_closed']);

export class BusMessages {
  constructor(private readonly d: BusMessagesDeps) {}

  publish(userId: number, event: BusEvent): void {
    this.d.bus.publish(userTopic(userId), event);
  }

  /** A friend-request frame for the viewer's sockets on every instance; held while the bus is down, for the others (outage-catch-up.ts). */
  #publishRequestFrame(frame: RequestFrame): void {
    this.publish(frame.viewerId, frame);
    this.d.catchUp.requestFrame(frame);
  }

  /**
   * A request frame for a recipient who blocks its sender (shadowed): not `frame`, but a message
   * every instance drops, on the same topic (StandIn). The blocker is told nothing.
   */
  #publishShadow(frame: RequestFrame): void {
    this.d.bus.publish(userTopic(frame.viewerId), standIn(frame));
  }

  /**
   * A login ended (logout, sign-out, deletion): its sockets close on every instance. On the
   * user's topic, and on REVOCATIONS_TOPIC, which every instance hears: an instance holding
   * nothing of the user yet may have a socket of that login between its token check and its
   * registration (the gateway's recent revocations), and would not hear the user's topic.
   */
  revoked(userId: number, sessionId: string): void {
    const event = { kind: 'revoked', userId, sessionId } satisfies BusEvent;
    this.publish(userId, event);
    this.d.bus.publishRemote(REVOCATIONS_TOPIC, event);
  }

  /** The user was deleted, and forgotten here: the other instances holding them forget them too. */
  deleted(userId: number): void {
    this.d.bus.publishRemote(userTopic(userId), { kind: 'deleted', userId } satisfies BusEvent);
  }

  /** Friend requests, befriending, unfriending and category changes reach both sides, on every instance; a block, the blocker's sockets. */
  graphChanged(e: GraphEvent): void {
    // Lost for the other instances while the bus is down: remembered for when it returns.
    this.d.catchUp.graphChanged(e);
    if (e.kind === 'request_sent') {
      // A shadowed request (its recipient blocks its sender) never reaches the recipient: a
      // message every instance drops goes in its place, so that the sender's request does the
      // same bus work either way (its time must not tell the block).
      const received = { kind: 'request_received', viewerId: e.request.to_user_id, request: e.request } as const;
      if (e.shadowed) this.#publishShadow(received);
      else this.#publishRequestFrame(received);
      // The sender's devices (every one: the REST call names no socket) list it as outgoing.
      this.#publishRequestFrame({ kind: 'request_sent', viewerId: e.request.from_user_id, request: e.request });
      return;
    }
    if (e.kind === 'request_revealed') {
      // Shadowed until the recipient unblocked its sender: now theirs to see, as any received.
      this.#publishRequestFrame({ kind: 'request_received', viewerId: e.request.to_user_id, request: e.request });
      return;
    }
    if (e.kind === 'request_closed') {
      const closed = (viewerId: number) => ({ kind: 'request_closed', viewerId, requestId: e.request.id, reason: e.reason }) as const;
      this.#publishRequestFrame(closed(e.request.from_user_id));
      // The recipient of a shadowed request never knew of it: a message every instance drops in
      // place of her frame, so that its sender's cancel does the bus work of any other.
      if (e.shadowed) this.#publishShadow(closed(e.request.to_user_id));
      else this.#publishRequestFrame(closed(e.request.to_user_id));
      return;
    }
    if (e.kind === 'block_changed') {
      // The blocker's devices only: the other side is never told of a block.
      this.publish(e.userId, { kind: 'block_changed', viewerId: e.userId, subjectId: e.otherId, user: e.user });
      return;
    }
    if (e.kind === 'category_changed') {
      this.publish(e.friendId, { kind: 'category_changed', viewerId: e.friendId, subjectId: e.userId, category: e.category });
      // The user's other devices list the category they give: each is told, on every instance.
      if (e.friend) {
        this.publish(e.userId, { kind: 'friend_updated', viewerId: e.userId, friend: e.friend });
      }
      return;
    }
    for (const [viewerId, subjectId] of [
      [e.a, e.b],
      [e.b, e.a],
    ] as const) {
      this.publish(
        viewerId,
        e.kind === 'unfriended' ? { kind: 'friend_removed', viewerId, subjectId } : { kind: 'friend_added', viewerId, subjectId, category: 'friend' },
      );
    }
  }

  /**
   * A message on a user's topic reached this instance (from it or another, `origin`). After a
   * bus outage, those of other instances wait until the friend lists here are re-read
   * (stale-friend-lists.ts): fanned out with a list the outage left stale, a status would reach
   * a user unfriended meanwhile. A revocation and friend-request frames, which show nobody's
   * presence, go through: a login ends now, and a request's close comes before the
   * `friend_added` of the re-read (the returning instance sends its frames before `caught_up`).
   */
  received(message: BusMessage, origin: string): void {
    if (!isBusEvent(message)) return;
    // No closure on the hot path: only while the lists may be stale does a message wait.
    if (!this.d.lists.holding || UNHELD.has(message.kind)) return this.#apply(message, origin);
    this.d.lists.deliver(origin, () => this.#apply(message, origin));
  }

  #apply(message: BusEvent, origin: string): void {
    const { replicas, graphViews, log } = this.d;
    switch (message.kind) {
      case 'input':
        return replicas.whenLoaded(message.userId, () => {
          const input = replicas.received(message.userId, message.input, message.version);
          if (input) this.d.apply(message.userId, input);
        });
      case 'request_received':
      case 'request_sent':
      case 'request_closed': {
        // Each once: after an outage another instance may send one again (outage-catch-up.ts),
        // then only to the sockets opened before it was first published.
        const event = this.d.catchUp.deliverRequestFrame(message);
        if (event) this.d.sink(event);
        return;
      }
      case 'friend_updated':
      case 'block_changed':
        // Sent again after an outage, read before it was sent: read again here, and handed over
        // unless a newer change's frame came first.
        if (message.repeat) return this.d.repeats.recheck([message]);
        // Made on another instance: this one may have made a newer change of the pair since, its
        // frame already delivered (Redis orders per publisher only). Read again here too.
        if (origin !== this.d.bus.instanceId) return this.d.repeats.fromElsewhere(message);
        return this.d.repeats.deliver(message);
      case 'revoked':
      case 'game_invite':
      case 'game_invite_accepted':
      case 'game_invite_closed':
      case 'notification':
        return this.d.sink(message);
      case 'reload':
        void replicas.reload(message.userId);
        return;
      case 'deleted':
        return this.d.forgetDeleted(message.userId);
      case 'friends_changed':
        if (this.d.graph.has(message.viewerId)) {
          void graphViews.refresh(message.viewerId).catch((err: unknown) => log.error({ err }, 'friend list not re-read; a later change or reconnect corrects it'));
        }
        return;
      case 'renamed':
        return replicas.whenLoaded(message.userId, () => this.d.renames.reread(message.userId));
      case 'friend_removed':
      case 'friend_added':
      case 'category_changed': {
        const category = message.kind === 'friend_removed' ? null : message.category;
        void graphViews.apply(message.viewerId, message.subjectId, category).catch((err: unknown) => log.error({ err }, 'graph change not delivered'));
        // Changes of one pair made at once on two instances may arrive here in either order.
        if (message.kind === 'category_changed') {
          void graphViews
            .recheck(message.viewerId, message.subjectId)
            .catch((err: unknown) => log.error({ err }, 'friend category not re-read; a later change corrects it'));
        }
      }
    }
  }
}
