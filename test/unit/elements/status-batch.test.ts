/** The drop-in elements' status reads, batched: reads asked for in one turn go in one request. */
import { describe, expect, it } from 'vitest';
import { ApiError, type View } from '../../../src/client/index.js';
import { MAX_STATUS_BATCH } from '../../../src/protocol/enums.js';
import { batchedStatusReads } from '../../../src/elements/status-batch.js';

const view = (id: number): View => ({ user_id: id, username: `u${id}`, display_name: `U ${id}`, status: 'online', activity: null, custom_message: null, last_seen: null, timestamp: '2026-12-08T14:00:00.000Z' }) as View;

function fakeApi(answer: (ids: readonly number[]) => Promise<View[]> = async (ids) => ids.filter((id) => id < 1000).map(view)) {
  const requests: number[][] = [];
  return { requests, readMany: (ids: readonly number[]) => (requests.push([...ids]), answer(ids)) };
}

describe('batchedStatusReads', () => {
  it('sends the reads of one turn in one request, each id once, and gives each read its own view', async () => {
    const api = fakeApi();
    const read = batchedStatusReads(api.readMany);
    const [a, b, again] = await Promise.all([read(3), read(7), read(3)]);
    expect(api.requests).toEqual([[3, 7]]);
    expect([a.user_id, b.user_id, again.user_id]).toEqual([3, 7, 3]);
    // A later turn: a request of its own.
    await read(9);
    expect(api.requests).toEqual([[3, 7], [9]]);
  });

  it(`splits more than ${MAX_STATUS_BATCH} into requests of ${MAX_STATUS_BATCH} at most`, async () => {
    const api = fakeApi();
    const read = batchedStatusReads(api.readMany);
    const views = await Promise.all(Array.from({ length: 2 * MAX_STATUS_BATCH + 5 }, (_, i) => read(i + 1)));
    expect(api.requests.map((r) => r.length)).toEqual([MAX_STATUS_BATCH, MAX_STATUS_BATCH, 5]);
    expect(views.map((v) => v.user_id)).toEqual(Array.from({ length: 2 * MAX_STATUS_BATCH + 5 }, (_, i) => i + 1));
  });

  it('a user the answer leaves out fails with the 404 a single read gives; the others are answered', async () => {
    const read = batchedStatusReads(fakeApi().readMany);
    const [found, gone] = await Promise.allSettled([read(5), read(5000)]);
    expect(found).toMatchObject({ status: 'fulfilled', value: { user_id: 5 } });
    expect(gone.status).toBe('rejected');
    expect((gone as PromiseRejectedResult).reason).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('a failed request (429) fails every read it carried with its error, Retry-After kept', async () => {
    const limited = new ApiError(429, 'RATE_LIMITED', 'Too many status reads; slow down', 3000);
    const read = batchedStatusReads(fakeApi(async () => Promise.reject(limited)).readMany);
    const results = await Promise.allSettled([read(1), read(2)]);
    for (const r of results) expect(r).toEqual({ status: 'rejected', reason: limited });
  });
});
