import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import type { HistoryRepository, Transition } from '../../../src/server/history/history-repository.js';
import { HistoryRecorder } from '../../../src/server/history/history-recorder.js';

/** A repository that refuses, with `code`, any batch holding a row of `refused`. */
function repo(refused: number, code: string) {
  const written: Transition[] = [];
  const append = vi.fn((rows: readonly Transition[]) => {
    if (rows.some((r) => r.userId === refused)) return Promise.reject(Object.assign(new Error('refused'), { code }));
    written.push(...rows);
    return Promise.resolve();
  });
  return { repo: { append } as unknown as HistoryRepository, append, written };
}

function logger() {
  return { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() } as unknown as FastifyBaseLogger & Record<'error' | 'warn' | 'info', ReturnType<typeof vi.fn>>;
}

describe('HistoryRecorder and deleted accounts', () => {
  it('never tries to write the rows of an account forgotten (deleted) before they were written', async () => {
    const r = repo(1, 'SQLITE_CONSTRAINT_FOREIGNKEY');
    const log = logger();
    const recorder = new HistoryRecorder(r.repo, { intervalMs: 1000, now: () => 0, log });
    recorder.record(1, 'busy');
    recorder.record(2, 'online');
    recorder.forget(1);
    await recorder.flush();
    expect(r.append).toHaveBeenCalledTimes(1);
    expect(r.written.map((t) => t.userId)).toEqual([2]);
    expect(log.error).not.toHaveBeenCalled();
  });

  it.each(['SQLITE_CONSTRAINT_FOREIGNKEY', '23503'])('drops the rows of an account deleted while they were written (%s) without an error', async (code) => {
    const r = repo(1, code);
    const log = logger();
    const recorder = new HistoryRecorder(r.repo, { intervalMs: 1000, now: () => 0, log });
    recorder.record(1, 'busy');
    recorder.record(2, 'online');
    await recorder.flush();
    expect(r.written.map((t) => t.userId)).toEqual([2]);
    expect(log.error).not.toHaveBeenCalled();
    expect(log.info).toHaveBeenCalledWith({ userId: 1, rows: 1 }, expect.stringContaining('deleted account'));
  });

  it('still logs an error for rows refused for any other reason', async () => {
    const r = repo(1, 'SQLITE_CONSTRAINT_CHECK');
    const log = logger();
    const recorder = new HistoryRecorder(r.repo, { intervalMs: 1000, now: () => 0, log });
    recorder.record(1, 'busy');
    await recorder.flush();
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ userId: 1 }), expect.stringContaining('cannot be saved'));
  });
});
