/**
 * Friend requests and the friend graph, with the rules of CONTRACT.md "Friends".
 * Every change to the graph is announced to listeners (the presence service), so
 * what each side sees changes at once, over the WebSocket too.
 */
import type { Friend, FriendCategory, FriendRequest, FriendRequestCloseReason } from '../../protocol/index.js';
import { AppError } from '../errors.js';
import type { UserRepository } from '../users/user-repository.js';
import type { BlockRepository, Blocked } from './block-repository.js';
import type { FriendRepository } from './friend-repository.js';

/** How long after a decline the sender must wait before asking the same user again. */
export const FRIEND_REQUEST_COOLDOWN_MS = 24 * 3_600_000;

export type GraphEvent =
  | { kind: 'befriended'; a: number; b: number }
  | { kind: 'unfriended'; a: number; b: number }
  /**
   * `userId` changed the category it gives `friendId` (what friendId may see of userId).
   * `friend`: the friend as `userId` now lists them (the PATCH answer), for `userId`'s own
   * devices; absent when a host's graph changed (integration modes: the host lists friends).
   */
  | { kind: 'category_changed'; userId: number; friendId: number; category: FriendCategory; friend?: Friend }
  /**
   * A request was sent: its sender's devices and its recipient hear of it; `shadowed`: the
   * recipient blocks the sender, and is never told (the sender is answered as by a stranger).
   */
  | { kind: 'request_sent'; request: FriendRequest; shadowed: boolean }
  /**
   * A shadowed request reached its recipient: they unblocked its sender, so it is now an
   * ordinary pending request. For the recipient's devices only (its sender saw it all along).
   */
  | { kind: 'request_revealed'; request: FriendRequest }
  /**
   * A request stopped being pending: both sides hear why (an acceptance is followed by
   * `befriended`), the sender alone when it was `shadowed` (the recipient never knew of it).
   */
  | { kind: 'request_closed'; request: FriendRequest; reason: FriendRequestCloseReason; shadowed: boolean }
  /**
   * `userId` blocked `otherId` (`user`: `otherId` as `userId`'s list of blocks now shows them)
   * or unblocked them (`user` null). For `userId`'s own devices only: `otherId` is never told.
   */
  | { kind: 'block_changed'; userId: number; otherId: number; user: Blocked | null };

export class FriendsService {
  #listeners: Array<(e: GraphEvent) => void> = [];

  constructor(
    private readonly repo: FriendRepository,
    private readonly users: UserRepository,
    private readonly now: () => number,
    private readonly blocks: BlockRepository,
  ) {}

  onGraphChange(fn: (e: GraphEvent) => void): void {
    this.#listeners.push(fn);
  }

  #emit(e: GraphEvent): void {
    for (const fn of this.#listeners) fn(e);
  }

  /*
   * A request's checks and writes, its acceptance, decline or cancellation, and a block run
   * in one transaction holding the lock of the pair of users (FriendRepository.inPair), so
   * that requests about the same two users sent at once, to one instance or several, take
   * turns: crossed requests make friends (not two pending requests), a cancelled or declined
   * request cannot be accepted, and no request slips past a block or a decline's cooldown
   * being written at the same time. Events go out once the transaction has committed.
   */

  /**
   * Sends a request, or accepts at once when the other side had already asked. A request to
   * someone who blocks the sender is answered as one to a stranger, and kept, shadowed: only
   * its sender sees it (listed, cancelled, closed as declined at the blocker's deletion); the
   * blocker is never told of it while the block lasts, so the sender cannot tell the block from
   * being ignored. At unblock it becomes an ordinary request (FriendsService.unblock).
   */
  async sendRequest(fromUserId: number, toUserId: number): Promise<{ request: FriendRequest } | { friend: Friend }> {
    if (fromUserId === toUserId) throw new AppError('VALIDATION_ERROR', 'You cannot befriend yourself');
    if (!(await this.users.findById(toUserId))) throw new AppError('NOT_FOUND', 'No such user');
    const result = await this.repo.inPair(fromUserId, toUserId, async (repo, blocks) => {
      if (await repo.getFriend(fromUserId, toUserId)) throw new AppError('CONFLICT', 'You are already friends');
      if (await blocks.isBlocked(fromUserId, toUserId)) throw new AppError('CONFLICT', 'You blocked this user; unblock them first');
      const shadowed = await blocks.isBlocked(toUserId, fromUserId);
      // The other side asked since (auto-accept): a decline's cooldown no longer applies. (None
      // pending from a blocker: the block closed it, and the blocker may not ask.) Read for a
      // blocker too: one query fewer would tell the sender of the block by the answer's time.
      const pending = await repo.findPending(toUserId, fromUserId);
      const theirs = shadowed ? null : pending;
      if (theirs) return { kind: 'accepted' as const, accepted: theirs, friend: await this.#befriend(repo, fromUserId, toUserId) };
      await this.#cooledDown(blocks, fromUserId, toUserId);
      const request = await repo.createRequest(fromUserId, toUserId, this.now());
      if (!request) throw new AppError('CONFLICT', 'A request is already pending');
      return { kind: 'sent' as const, request, shadowed };
    });
    if (result.kind === 'sent') {
      this.#emit({ kind: 'request_sent', request: result.request, shadowed: result.shadowed });
      return { request: result.request };
    }
    this.#befriended(fromUserId, toUserId, result.accepted);
    return { friend: result.friend };
  }

  /** Accepts a request addressed to `userId`; returns the new friend as `userId` sees them. */
  async accept(userId: number, requestId: number): Promise<Friend> {
    const request = await this.#requestOf(userId, requestId);
    if (request.to_user_id !== userId) throw new AppError('FORBIDDEN', 'Only the recipient can accept a request');
    const friend = await this.repo.inPair(userId, request.from_user_id, async (repo, blocks) => {
      // A request from someone the user blocks is not theirs to see (shadowed).
      if (await blocks.isBlocked(userId, request.from_user_id)) throw new AppError('NOT_FOUND', 'No such friend request');
      // Gone meanwhile: cancelled, declined, or dropped by a block.
      if (!(await repo.deleteRequest(requestId))) throw new AppError('NOT_FOUND', 'No such friend request');
      return this.#befriend(repo, userId, request.from_user_id);
    });
    this.#befriended(userId, request.from_user_id, request);
    return friend;
  }

  /** Declines (recipient) or cancels (sender) a request. */
  async decline(userId: number, requestId: number): Promise<void> {
    const request = await this.#requestOf(userId, requestId);
    const declined = request.to_user_id === userId;
    const shadowed = await this.repo.inPair(request.from_user_id, request.to_user_id, async (repo, blocks) => {
      const hidden = await blocks.isBlocked(request.to_user_id, request.from_user_id);
      // A request from someone the user blocks is not theirs to see (its sender may cancel it).
      if (declined && hidden) throw new AppError('NOT_FOUND', 'No such friend request');
      // Gone meanwhile: accepted, cancelled or declined already, or dropped by a block.
      if (!(await repo.deleteRequest(requestId))) throw new AppError('NOT_FOUND', 'No such friend request');
      if (declined) await blocks.recordDecline(request.from_user_id, userId, this.now());
      return hidden;
    });
    this.#emit({ kind: 'request_closed', request, reason: declined ? 'declined' : 'cancelled', shadowed });
  }

  /**
   * Blocks a user: unfriends them (both sides see it at once), closes the requests between them,
   * and tells the blocker's devices (`block_changed`), also when the block was already there (the
   * event states the block held, with its first date, so a repeat is harmless, and keeps the
   * requests the blocked user sent since, shadowed). To the blocked user the closing is what it
   * is for anyone: their request declined (with the decline's cooldown), the blocker's cancelled.
   */
  async block(userId: number, otherId: number): Promise<void> {
    if (userId === otherId) throw new AppError('VALIDATION_ERROR', 'You cannot block yourself');
    if (!(await this.users.findById(otherId))) throw new AppError('NOT_FOUND', 'No such user');
    const { dropped, unfriended, user, blockedBack } = await this.repo.inPair(userId, otherId, async (repo, blocks) => {
      const fresh = await blocks.block(userId, otherId, this.now());
      const dropped = fresh ? await repo.deleteRequestsBetween(userId, otherId) : [];
      for (const r of dropped) if (r.to_user_id === userId) await blocks.recordDecline(otherId, userId, this.now());
      // The user's own request to someone who blocks them was shadowed: they alone knew of it.
      const blockedBack = await blocks.isBlocked(otherId, userId);
      return { dropped, unfriended: await repo.unfriend(userId, otherId), user: await blocks.entry(userId, otherId), blockedBack };
    });
    for (const request of dropped) {
      const declined = request.to_user_id === userId;
      this.#emit({ kind: 'request_closed', request, reason: declined ? 'declined' : 'cancelled', shadowed: !declined && blockedBack });
    }
    if (unfriended) this.#emit({ kind: 'unfriended', a: userId, b: otherId });
    // Gone only if the account was deleted meanwhile (its blocks go with it): nothing to list.
    if (user) this.#emit({ kind: 'block_changed', userId, otherId, user });
  }

  /**
   * Unblocks a user; the unblocker's devices are told (`block_changed`), the other never is. A
   * request the other sent while blocked (shadowed) becomes an ordinary pending request: the
   * block that hid it is gone, so the unblocker now lists it and hears of it as received, right
   * after the `block_changed`; its sender, who saw it pending all along, is told nothing. No
   * decline is written or touched: nothing in either export tells that it was made while blocked.
   */
  async unblock(userId: number, otherId: number): Promise<void> {
    const revealed = await this.repo.inPair(userId, otherId, async (repo, blocks) => {
      if (!(await blocks.unblock(userId, otherId))) throw new AppError('NOT_FOUND', 'Not blocked');
      return repo.findPending(otherId, userId);
    });
    this.#emit({ kind: 'block_changed', userId, otherId, user: null });
    if (revealed) this.#emit({ kind: 'request_revealed', request: revealed });
  }

  listBlocked(userId: number): Promise<Blocked[]> {
    return this.blocks.list(userId);
  }

  /**
   * A deleted account leaves each friend's list at once, as if it had unfriended them, its
   * pending requests close (its own as cancelled, those it received as declined), and it
   * leaves the list of blocks of everyone who blocked it, as if they had unblocked it (their
   * devices are told, `block_changed`; the blocks it made itself go unannounced, as they were).
   */
  accountDeleted(
    userId: number,
    left: { friendIds: readonly number[]; blockerIds: readonly number[]; requests: { incoming: FriendRequest[]; outgoing: FriendRequest[]; shadowed: readonly number[] } },
  ): void {
    const { friendIds, blockerIds, requests } = left;
    const shadowed = (request: FriendRequest) => requests.shadowed.includes(request.id);
    for (const request of requests.outgoing) this.#emit({ kind: 'request_closed', request, reason: 'cancelled', shadowed: shadowed(request) });
    for (const request of requests.incoming) this.#emit({ kind: 'request_closed', request, reason: 'declined', shadowed: shadowed(request) });
    for (const friendId of friendIds) this.#emit({ kind: 'unfriended', a: userId, b: friendId });
    for (const blockerId of blockerIds) this.#emit({ kind: 'block_changed', userId: blockerId, otherId: userId, user: null });
  }

  /** The cooldown after `toUserId` declined a request from `fromUserId` refuses a new one. */
  async #cooledDown(blocks: BlockRepository, fromUserId: number, toUserId: number): Promise<void> {
    const declined = await blocks.declinedAt(fromUserId, toUserId);
    if (declined !== null && this.now() - declined < FRIEND_REQUEST_COOLDOWN_MS) {
      const at = new Date(declined + FRIEND_REQUEST_COOLDOWN_MS).toISOString();
      throw new AppError('RATE_LIMITED', `Your last request was declined; you may ask again after ${at}`, { retryAfterMs: declined + FRIEND_REQUEST_COOLDOWN_MS - this.now() });
    }
  }

  listRequests(userId: number) {
    return this.repo.listRequests(userId);
  }

  listFriends(userId: number): Promise<Friend[]> {
    return this.repo.listFriends(userId);
  }

  /**
   * Announced on every success, also when the category was already this one: the event states
   * the category now held (the answer itself), so repeating it is harmless, and no read before
   * the write can race a change made at the same time on another device.
   */
  async setCategory(userId: number, friendId: number, category: FriendCategory): Promise<Friend> {
    if (!(await this.repo.setCategory(userId, friendId, category, this.now()))) throw new AppError('NOT_FOUND', 'Not a friend');
    const friend = await this.repo.getFriend(userId, friendId);
    if (!friend) throw new AppError('NOT_FOUND', 'Not a friend');
    this.#emit({ kind: 'category_changed', userId, friendId, category, friend });
    return friend;
  }

  async remove(userId: number, friendId: number): Promise<void> {
    if (!(await this.repo.unfriend(userId, friendId))) throw new AppError('NOT_FOUND', 'Not a friend');
    this.#emit({ kind: 'unfriended', a: userId, b: friendId });
  }

  /** A request the user sent or received; others' requests are NOT_FOUND, so their existence does not leak. */
  async #requestOf(userId: number, requestId: number): Promise<FriendRequest> {
    const request = await this.repo.findRequest(requestId);
    if (!request || (request.to_user_id !== userId && request.from_user_id !== userId)) {
      throw new AppError('NOT_FOUND', 'No such friend request');
    }
    return request;
  }

  /** Makes two users friends, in the pair's transaction; answers the friend as `userId` sees them. */
  async #befriend(repo: FriendRepository, userId: number, otherId: number): Promise<Friend> {
    await repo.befriend(userId, otherId, this.now());
    const friend = await repo.getFriend(userId, otherId);
    if (!friend) throw new AppError('NOT_FOUND', 'No such user');
    return friend;
  }

  /** Announces a friendship made (once committed); `request` is the pending request it accepted. */
  #befriended(userId: number, otherId: number, request: FriendRequest): void {
    this.#emit({ kind: 'request_closed', request, reason: 'accepted', shadowed: false });
    this.#emit({ kind: 'befriended', a: userId, b: otherId });
  }
}
