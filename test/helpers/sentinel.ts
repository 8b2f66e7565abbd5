/**
 * "Nothing more arrives" without a fixed wait: after the action, a sentinel, a later frame made
 * to travel the same path as any late frame of the action (caused after it, through the same
 * instance, bus and fan-out, to the same socket), is waited for. A frame the action still sends
 * would have come before it, so what arrived before the sentinel is all the action sent. A fixed
 * sleep passes wrongly on a slow machine when the late frame comes after the check.
 *
 * Which frames can still be on their way once the action's REST call (or the awaited frame it
 * caused) has answered, and so come after a sentinel that does not share their path:
 *
 * - Every event (a frame with a `seq`: status and friend changes, friend_added/removed,
 *   friend_request_*, block_changed, game invites, notifications, are_you_there,
 *   probe_answered, settings_update) leaves through the gateway's Batcher: at the end of the
 *   event-loop turn that made it when the socket is idle, else when the batch window's timer
 *   fires (the socket had its burst of frames in the window, or the kernel has not taken what
 *   was written yet: `bufferedAmount` > 0; under a fake clock that does not move, a window
 *   that started never ends). `heartbeat_ack` (like `ready` and `error`) is written at once
 *   (Connection.sendRaw), past the batch: it overtakes every event still waiting there. Even an
 *   idle socket's events can leave a loop turn after the REST answer is seen (the batch's
 *   setImmediate runs after the poll phase that reads the heartbeat): a `heartbeat_ack` came
 *   before a `friend_request_sent` caused earlier, on an idle socket (presence-truth
 *   "nobody else hears of a request", with a leak injected). One turn's events leave in one Batcher pass for every socket, so once a frame of
 *   that turn was received the rest have left too, except a slow socket's; with nothing
 *   awaited after the action, one heartbeat round trip proves nothing about events. For events
 *   already queued on the socket's own instance, `TestSocket.settled()` (ws-client.ts) is the
 *   barrier (the batch window waited out, then two round trips, the second read a loop turn
 *   after the first's batches left); the sentinels below are for frames that travel further.
 * - Frames made after an await that follows the REST answer: a friend_added / view_changed
 *   whose subject is loaded first (graph-views.ts: next turn, then database reads), the re-read
 *   after a category change, a friend list re-read after `friends_changed`, an input applied once
 *   a replica loading meanwhile is loaded, a rename re-read, the notifier's sends (awaited with
 *   `notifier.idle()`). No sentinel caused after the answer is ordered after those by
 *   construction: wait for the awaited frame (or the work) first, then take the sentinel for
 *   whatever the same turn made with it.
 * - Frames made on another instance: ordered only along the bus (one publisher's messages
 *   arrive in publish order), so the sentinel is published through that instance.
 *
 * framesUntilNotice: for events queued here before the call, and for what an instance
 * published on the socket user's bus topic before it (bus frames of the graph, requests,
 * blocks, invites, notifications). framesUntilOwnChange: for presence changes made through
 * another instance (they are applied there and reach this one as inputs, not bus frames).
 * framesUntilHeartbeat: only for direct replies (`error`) to frames the socket sent before.
 */
import type { FastifyInstance } from 'fastify';
import type { NotificationPayload } from '../../src/protocol/index.js';
import type { PresenceService } from '../../src/server/status/presence-service.js';
import { bearer } from './app.js';
import type { Frame, TestSocket } from './ws-client.js';

/** The type of framesUntilNotice's sentinel frames (no real frame has it); left out of what the helpers answer. */
export const NOTICE = 'test_sentinel';

/** Causes the sentinel, waits for it; answers the frames from `from` up to it (excluded), without earlier notices. */
export async function framesUntilSentinel(socket: TestSocket, from: number, cause: () => unknown, isSentinel: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame[]> {
  const at = socket.mark();
  await cause();
  const sentinel = await socket.next(isSentinel, { from: at, timeoutMs });
  return socket.frames.slice(from, socket.frames.indexOf(sentinel)).filter((f) => f.type !== NOTICE);
}

/**
 * Direct replies only: a heartbeat round trip on the socket. The instance read the socket's
 * earlier frames first, and the replies it wrote at once while reading them (an `error` of a
 * refused frame) left before the ack. Never for events: they wait in the batch, and the ack
 * overtakes them (see above); use framesUntilNotice for those.
 */
export function framesUntilHeartbeat(socket: TestSocket, from: number): Promise<Frame[]> {
  return framesUntilSentinel(socket, from, () => socket.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
}

let sentinels = 0;

/** The socket's user, from its `ready`. */
function userOf(socket: TestSocket): number {
  const ready = socket.frames.find((f) => f.type === 'ready');
  const id = (ready?.self as { user_id?: unknown } | undefined)?.user_id;
  if (typeof id !== 'number') throw new Error('sentinel: the socket has no ready frame naming its user');
  return id;
}

/**
 * Events and bus frames: a notice for the socket's user, published on the user's bus topic
 * through `via` (the instance whose late frames are feared) the way notifications are, and
 * fanned out into the socket's batch after whatever was queued there before. It changes
 * nothing (no status, no state): it can follow any action. (While an instance re-reads its
 * friend lists after a bus outage it holds notices from other instances, as it holds their
 * notifications.)
 */
export function framesUntilNotice(socket: TestSocket, from: number, via: { app: { services: { presence: Pick<PresenceService, 'notify'> } } }): Promise<Frame[]> {
  const marker = `notice ${++sentinels}`;
  const notice = { type: NOTICE, marker } as unknown as NotificationPayload;
  return framesUntilSentinel(socket, from, () => via.app.services.presence.notify(userOf(socket), notice), (f) => f.type === NOTICE && f.marker === marker);
}

/**
 * Cross-instance presence: the socket's own user sets a custom message through `via` (the
 * instance whose late frames are feared); it is published after anything that instance
 * published before, and its `status_update` reaches the socket through the same bus and fan-out.
 * (It changes the user's status and custom message: use it where that is not what is checked.)
 */
export function framesUntilOwnChange(socket: TestSocket, from: number, via: { app: Pick<FastifyInstance, 'inject'> }, token: string): Promise<Frame[]> {
  const marker = `sentinel ${++sentinels}`;
  const put = async () => {
    const res = await via.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(token), payload: { status: 'online', custom_message: marker } });
    if (res.statusCode !== 200) throw new Error(`sentinel status not set: ${res.statusCode} ${res.body}`);
  };
  return framesUntilSentinel(socket, from, put, (f) => f.type === 'status_update' && f.custom_message === marker);
}
