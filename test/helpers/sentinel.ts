/**
 * "Nothing more arrives" without a fixed wait: after the action, a sentinel, a later frame made
 * to travel the same path as any late frame of the action (caused after it, through the same
 * instance, bus and fan-out, to the same socket), is waited for. A frame the action still sends
 * would have come before it, so what arrived before the sentinel is all the action sent. A fixed
 * sleep passes wrongly on a slow machine when the late frame comes after the check.
 */
import type { FastifyInstance } from 'fastify';
import { bearer } from './app.js';
import type { Frame, TestSocket } from './ws-client.js';

/** Causes the sentinel, waits for it; answers the frames from `from` up to it (excluded). */
export async function framesUntilSentinel(socket: TestSocket, from: number, cause: () => unknown, isSentinel: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame[]> {
  const at = socket.mark();
  await cause();
  const sentinel = await socket.next(isSentinel, { from: at, timeoutMs });
  return socket.frames.slice(from, socket.frames.indexOf(sentinel));
}

/**
 * Same-instance paths: a heartbeat round-trip on the socket. The instance read the heartbeat
 * after whatever the action made it send this socket, and those frames left first.
 */
export function framesUntilHeartbeat(socket: TestSocket, from: number): Promise<Frame[]> {
  return framesUntilSentinel(socket, from, () => socket.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
}

let sentinels = 0;

/**
 * Cross-instance paths: the socket's own user sets a custom message through `via` (the instance
 * whose late frames are feared); it is published after anything that instance published
 * before, and its `status_update` reaches the socket through the same bus and fan-out.
 * (It changes the user's custom message: use it where that is not what is checked.)
 */
export function framesUntilOwnChange(socket: TestSocket, from: number, via: { app: Pick<FastifyInstance, 'inject'> }, token: string): Promise<Frame[]> {
  const marker = `sentinel ${++sentinels}`;
  const put = async () => {
    const res = await via.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(token), payload: { status: 'online', custom_message: marker } });
    if (res.statusCode !== 200) throw new Error(`sentinel status not set: ${res.statusCode} ${res.body}`);
  };
  return framesUntilSentinel(socket, from, put, (f) => f.type === 'status_update' && f.custom_message === marker);
}
