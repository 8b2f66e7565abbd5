/**
 * One request at a time per HTTP connection. HTTP/1.1 lets a client send requests back to back
 * without waiting for the answers (pipelining); Node parses every request of a chunk at once
 * (~1,800 GETs in 64 KiB) and hands each to the app, which built every answer and kept it in
 * memory behind the one the client never read: 24 such connections from one address held 2 GB
 * and stopped the server for minutes, and the answers queued behind an unread one are never
 * closed by Node when the connection goes, so each kept the file it was serving open (a few
 * connections took all 20,000 descriptors until a restart).
 *
 * Here the app sees a connection's next request only once the answer before it is done; up to
 * MAX_WAITING requests wait their turn (they hold no file, no answer, only Node's request and
 * response objects), and a connection with more waiting is closed: browsers never pipeline, and
 * a client that does gets its first MAX_WAITING + 1 answers in order. A connection that closes
 * drops its waiting requests, which the app never saw.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Requests one connection may have waiting behind the one being answered. */
export const MAX_WAITING = 16;

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

interface Lane {
  busy: boolean;
  waiting: Array<[IncomingMessage, ServerResponse]>;
}

/**
 * The request listener to give the HTTP server in place of `handler`. `refused` is told of a
 * connection closed for too many waiting requests (its request that went over), before the close.
 */
export function oneRequestAtATime(handler: Listener, refused: (req: IncomingMessage) => void, maxWaiting = MAX_WAITING): Listener {
  const lanes = new WeakMap<Socket, Lane>();

  const run = (lane: Lane, req: IncomingMessage, res: ServerResponse): void => {
    lane.busy = true;
    let done = false;
    const next = () => {
      if (done) return;
      done = true;
      lane.busy = false;
      const item = lane.waiting.shift();
      // Node gives the next answer the connection on 'finish' (its listener runs before this one).
      if (item && !item[0].socket.destroyed) run(lane, item[0], item[1]);
    };
    res.once('finish', next);
    res.once('close', next);
    handler(req, res);
  };

  return (req, res) => {
    const socket = req.socket;
    let lane = lanes.get(socket);
    if (!lane) {
      lane = { busy: false, waiting: [] };
      lanes.set(socket, lane);
      socket.once('close', () => {
        lane!.waiting.length = 0;
      });
    }
    if (socket.destroyed) return;
    if (!lane.busy) return run(lane, req, res);
    if (lane.waiting.length >= maxWaiting) {
      refused(req);
      lane.waiting.length = 0;
      socket.destroy();
      return;
    }
    lane.waiting.push([req, res]);
  };
}
