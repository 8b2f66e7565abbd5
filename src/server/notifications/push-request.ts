/**
 * One push POST, sent by Beacon itself rather than by web-push's sendNotification, which
 * reads the whole answer into a string (an endless answer ran the server out of memory) and
 * only has an idle timeout (an answer trickling a byte a second never ended). Here the
 * request goes to exactly the host and port of the parsed URL, through the caller's agent
 * (which checks every address a name resolves to); the answer is read up to MAX_ANSWER_BYTES
 * and thrown away; one deadline covers connect, TLS, sending and the answer.
 */
import type { ClientRequest } from 'node:http';
import https from 'node:https';

/** Push services answer a few hundred bytes at most (an error text); more is not a push service. */
export const MAX_ANSWER_BYTES = 16 * 1024;

/** A push the push service did not take; `statusCode` when it answered. */
export class PushRequestError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
  }
}

export interface PushRequest {
  method: string;
  headers: Record<string, string | number>;
  body: Buffer | null;
}

/** Resolves with the 2xx status; rejects with PushRequestError otherwise. Never throws outside the promise. */
export function postPush(url: URL, push: PushRequest, opts: { agent: https.Agent; deadlineMs: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let req: ClientRequest | undefined;
    /** The answer's status once its head came (logged with a deadline that struck in the body). */
    let status: number | undefined;
    const settle = (err: PushRequestError | null, ok = 0) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req?.destroy();
        reject(err);
      } else resolve(ok);
    };
    const timer = setTimeout(() => settle(new PushRequestError('the push service took too long to answer', status)), opts.deadlineMs);
    try {
      req = https.request(
        {
          method: push.method,
          host: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port || 443,
          path: `${url.pathname}${url.search}`,
          headers: push.headers,
          agent: opts.agent,
        },
        (res) => {
          const code = res.statusCode ?? 0;
          status = code;
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) settle(new PushRequestError('the push service answer is too large', code));
          });
          res.on('end', () => {
            if (code >= 200 && code <= 299) settle(null, code);
            else settle(new PushRequestError('the push service refused the push', code));
          });
          res.on('error', () => settle(new PushRequestError('the push service connection failed', code)));
        },
      );
      req.on('error', (err) => settle(new PushRequestError(err.message, status)));
      req.end(push.body ?? undefined);
    } catch (err) {
      settle(new PushRequestError(err instanceof Error ? err.message : 'the push could not be sent'));
    }
  });
}
