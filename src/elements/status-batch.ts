/**
 * Status reads of several users in one request: the reads asked for in one turn of the page's
 * event loop (the reader's pump sends what its budget allows in one go, status-reads.ts) go out
 * together as GET /users/status?ids=…, MAX_STATUS_BATCH ids a request at most. Each read gets
 * its user's view; a user the answer leaves out (no such user) gets the 404 a single read would
 * have; a failed request (429, the network) fails each read it carried alike, with its error.
 */
import { ApiError, type View } from '../client/index.js';
import { MAX_STATUS_BATCH } from '../protocol/enums.js';

interface Waiting {
  resolve(view: View): void;
  reject(err: unknown): void;
}

/** One user's read, answered from the batches `readMany` sends. */
export function batchedStatusReads(readMany: (ids: readonly number[]) => Promise<View[]>): (id: number) => Promise<View> {
  let pending: Map<number, Waiting[]> | null = null;

  const flush = (): void => {
    const batch = pending!;
    pending = null;
    const ids = [...batch.keys()];
    for (let i = 0; i < ids.length; i += MAX_STATUS_BATCH) {
      const chunk = ids.slice(i, i + MAX_STATUS_BATCH);
      readMany(chunk).then(
        (views) => {
          const byId = new Map(views.map((v) => [v.user_id, v]));
          for (const id of chunk) {
            const view = byId.get(id);
            for (const w of batch.get(id)!) {
              if (view) w.resolve(view);
              else w.reject(new ApiError(404, 'NOT_FOUND', 'No such user'));
            }
          }
        },
        (err: unknown) => {
          for (const id of chunk) for (const w of batch.get(id)!) w.reject(err);
        },
      );
    }
  };

  return (id) =>
    new Promise<View>((resolve, reject) => {
      if (!pending) {
        pending = new Map();
        queueMicrotask(flush);
      }
      const waiting = pending.get(id);
      if (waiting) waiting.push({ resolve, reject });
      else pending.set(id, [{ resolve, reject }]);
    });
}
