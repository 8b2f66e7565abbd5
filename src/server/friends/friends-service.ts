/**
 * Friend requests and the friend graph, with the rules of CONTRACT.md "Friends".
 * Every change to the graph is announced to listeners (the presence service), so
 * what each side sees changes at once, over the WebSocket too.
 */
import type { Friend, FriendCategory, FriendRequest, FriendRequestCloseReason } from '../../protocol/index.js';
import { AppError } from '../errors.js';
import type { UserRepository } from '../users/user-repository.js';
import type { FriendRepository } from './friend-repository.js';

export type GraphEvent =
  | { kind: 'befriended'; a: number; b: number }
  | { kind: 'unfriended'; a: number; b: number }
  /** `userId` changed the category it gives `friendId` (what friendId may see of userId). */
  | { kind: 'category_changed'; userId: number; friendId: number; category: FriendCategory }
  /** A request was sent: its recipient hears of it. */
  | { kind: 'request_sent'; request: FriendRequest }
  /** A request stopped being pending: both sides hear why (an acceptance is followed by `befriended`). */
  | { kind: 'request_closed'; request: FriendRequest; reason: FriendRequestCloseReason };

export class FriendsService {
  #listeners: Array<(e: GraphEvent) => void> = [];

  constructor(
    private readonly repo: FriendRepository,
    private readonly users: UserRepository,
    private readonly now: () => number,
  ) {}

  onGraphChange(fn: (e: GraphEvent) => void): void {
    this.#listeners.push(fn);
  }

  #emit(e: GraphEvent): void {
    for (const fn of this.#listeners) fn(e);
  }

  /** Sends a request, or accepts at once when the other side had already asked. */
  async sendRequest(fromUserId: number, toUserId: number): Promise<{ request: FriendRequest } | { friend: Friend }> {
    if (fromUserId === toUserId) throw new AppError('VALIDATION_ERROR', 'You cannot befriend yourself');
    if (!(await this.users.findById(toUserId))) throw new AppError('NOT_FOUND', 'No such user');
    if (await this.repo.getFriend(fromUserId, toUserId)) throw new AppError('CONFLICT', 'You are already friends');
    const theirs = await this.repo.findPending(toUserId, fromUserId);
    if (theirs) return { friend: await this.#befriend(fromUserId, toUserId, theirs) };
    const request = await this.repo.createRequest(fromUserId, toUserId, this.now());
    if (!request) throw new AppError('CONFLICT', 'A request is already pending');
    this.#emit({ kind: 'request_sent', request });
    return { request };
  }

  /** Accepts a request addressed to `userId`; returns the new friend as `userId` sees them. */
  async accept(userId: number, requestId: number): Promise<Friend> {
    const request = await this.#requestOf(userId, requestId);
    if (request.to_user_id !== userId) throw new AppError('FORBIDDEN', 'Only the recipient can accept a request');
    return this.#befriend(userId, request.from_user_id, request);
  }

  /** Declines (recipient) or cancels (sender) a request. */
  async decline(userId: number, requestId: number): Promise<void> {
    const request = await this.#requestOf(userId, requestId);
    await this.repo.deleteRequest(requestId);
    this.#emit({ kind: 'request_closed', request, reason: request.to_user_id === userId ? 'declined' : 'cancelled' });
  }

  listRequests(userId: number) {
    return this.repo.listRequests(userId);
  }

  listFriends(userId: number): Promise<Friend[]> {
    return this.repo.listFriends(userId);
  }

  async setCategory(userId: number, friendId: number, category: FriendCategory): Promise<Friend> {
    if (!(await this.repo.setCategory(userId, friendId, category))) throw new AppError('NOT_FOUND', 'Not a friend');
    const friend = await this.repo.getFriend(userId, friendId);
    if (!friend) throw new AppError('NOT_FOUND', 'Not a friend');
    this.#emit({ kind: 'category_changed', userId, friendId, category });
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

  /** Makes two users friends; `request` is the pending request this accepts. */
  async #befriend(userId: number, otherId: number, request: FriendRequest): Promise<Friend> {
    await this.repo.befriend(userId, otherId, this.now());
    const friend = await this.repo.getFriend(userId, otherId);
    if (!friend) throw new AppError('NOT_FOUND', 'No such user');
    this.#emit({ kind: 'request_closed', request, reason: 'accepted' });
    this.#emit({ kind: 'befriended', a: userId, b: otherId });
    return friend;
  }
}
