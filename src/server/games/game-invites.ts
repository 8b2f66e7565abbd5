/**
 * Inviting a friend to a Pong match, and accepting. An invitation is kept in the database
 * (every instance sees it) until it is accepted or INVITE_TTL_MS pass: the inviter's sockets
 * are told `game_invite_accepted` only for an invitation that exists, by the friend it was
 * made for, once. Without that any friend could tell a user "your invitation was accepted"
 * for one never made, or one made to someone else, and a client would start a match.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import type { SocialGraph } from '../ports/social-graph.js';
import type { BusEvent } from '../status/presence-events.js';
import { INVITE_TTL_MS } from '../../protocol/enums.js';

export { INVITE_TTL_MS };

export interface GameInvitesDeps {
  db: Db;
  graph: Pick<SocialGraph, 'categoryGiven'>;
  /** Publishes an event on a user's channel (every instance with that user's sockets delivers it). */
  publish: (userId: number, event: BusEvent) => void;
  now: () => number;
}

export class GameInvites {
  constructor(private readonly deps: GameInvitesDeps) {}

  /** Invites a friend: their sockets get `game_invite`. Friends only (404 otherwise). */
  async invite(fromUserId: number, toUserId: number): Promise<string> {
    if ((await this.deps.graph.categoryGiven(fromUserId, toUserId)) === null) throw new AppError('NOT_FOUND', 'Not a friend');
    const id = randomUUID();
    await this.deps.db
      .insertInto('game_invites')
      .values({ id, from_user_id: fromUserId, to_user_id: toUserId, expires_at: this.deps.now() + INVITE_TTL_MS })
      .execute();
    this.deps.publish(toUserId, { kind: 'game_invite', viewerId: toUserId, inviteId: id, fromUserId });
    return id;
  }

  /**
   * Accepts an invitation made to `byUserId` by `inviterId`: the inviter's sockets get
   * `game_invite_accepted`, and both start the match. Taken in one statement, so two
   * acceptances at once (two tabs, two instances) send one. Every socket of the one accepting
   * (each device, each instance) gets `game_invite_closed`: a screen of hers still offering it
   * stops (the server would refuse it now). Only she gets it: the frame is about her answer.
   */
  async accept(byUserId: number, inviterId: number, inviteId: string): Promise<void> {
    if ((await this.deps.graph.categoryGiven(byUserId, inviterId)) === null) throw new AppError('NOT_FOUND', 'Not a friend');
    const taken = await this.deps.db
      .deleteFrom('game_invites')
      .where('id', '=', inviteId)
      .where('from_user_id', '=', inviterId)
      .where('to_user_id', '=', byUserId)
      .where('expires_at', '>', this.deps.now())
      .returning('id')
      .executeTakeFirst();
    if (!taken) throw new AppError('NOT_FOUND', 'No such invitation: it expired, was already accepted, or was not made to you');
    this.deps.publish(inviterId, { kind: 'game_invite_accepted', viewerId: inviterId, inviteId, byUserId });
    this.deps.publish(byUserId, { kind: 'game_invite_closed', viewerId: byUserId, inviteId, reason: 'accepted' });
  }

  /** Deletes invitations that expired by `at` (housekeeping); answers how many. */
  async prune(at: number): Promise<number> {
    const r = await this.deps.db.deleteFrom('game_invites').where('expires_at', '<=', at).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
