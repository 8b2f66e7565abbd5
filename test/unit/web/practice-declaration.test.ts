/**
 * The Play page's practice declaration against a game server's match (409): whatever the order
 * of a refusal and the frame saying the match ended, the practice is declared or the page says
 * why not; it never waits for a frame that already came. Fake client, fake clock.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PracticeDeclaration, type PracticeClient, type PracticeState } from '../../../src/web/lib/practice-declaration.js';

afterEach(() => vi.useRealTimers());

type Answer = { ok: true } | { ok: false; code: string };

/** A client whose server answers each declaration as the test says, and whose own view the test moves. */
function fakeClient() {
  const sent: string[] = [];
  const pending: Array<(a: Answer) => void> = [];
  const listeners = new Set<(v: { status: string }) => void>();
  let status: string | null = 'in_game';
  const client = {
    get self() {
      return status === null ? null : { status };
    },
    on: (_type: 'self', fn: (v: { status: string }) => void) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    setActivity: (activity: string) => {
      sent.push(activity);
      return new Promise((resolve, reject) =>
        pending.push((a) => (a.ok ? resolve({}) : reject(Object.assign(new Error(a.code), { code: a.code })))),
      );
    },
  };
  return {
    client: client as unknown as PracticeClient,
    sent,
    /** Answers the oldest declaration not answered yet; the page reads it in the microtasks after. */
    answer: async (a: Answer) => {
      const next = pending.shift();
      if (!next) throw new Error('no declaration waits for an answer');
      next(a);
      await vi.advanceTimersByTimeAsync(0);
    },
    /** The own view changes (a frame): the page hears it at once. */
    view: (s: string) => {
      status = s;
      for (const fn of listeners) fn({ status: s });
    },
    waiting: () => pending.length,
  };
}

const REFUSED: Answer = { ok: false, code: 'CONFLICT' };
const OK: Answer = { ok: true };

function setUp() {
  vi.useFakeTimers();
  const fake = fakeClient();
  const shown: PracticeState[] = [];
  const practice = new PracticeDeclaration(fake.client, (s) => shown.push(s));
  return { fake, shown, practice };
}

describe('PracticeDeclaration', () => {
  it('a second refusal read after the match ended (its frame already heard): asks again at once and declares', async () => {
    const { fake, shown, practice } = setUp();
    practice.start();
    fake.view('online'); // the first match ends before the page reads its refusal
    await fake.answer(REFUSED);
    expect(shown.at(-1)).toBe('checking');
    expect(fake.sent).toEqual(['playing_pong', 'playing_pong']);
    // The server refuses again (another match holds it), and that match ends before the page
    // reads this refusal: no frame is to come.
    fake.view('in_game');
    fake.view('online');
    await fake.answer(REFUSED);
    expect(shown.at(-1)).toBe('checking');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.sent).toEqual(['playing_pong', 'playing_pong', 'playing_pong']);
    await fake.answer(OK);
    expect(shown.at(-1)).toBe('declared');
  });

  it('a refusal read while the own view is in the match: held, declared once the frame of its end comes', async () => {
    const { fake, shown, practice } = setUp();
    practice.start();
    await fake.answer(REFUSED);
    expect(shown).toEqual(['held']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.sent).toEqual(['playing_pong']);
    fake.view('online');
    expect(fake.sent).toEqual(['playing_pong', 'playing_pong']);
    await fake.answer(OK);
    expect(shown.at(-1)).toBe('declared');
  });

  it('refused again and again though the own view is in no match: asks after 0, 1, 2, 4 s, then says it gave up and asks no more', async () => {
    const { fake, shown, practice } = setUp();
    fake.view('online');
    practice.start();
    const times: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) {
      const before = fake.sent.length;
      await fake.answer(REFUSED);
      while (fake.sent.length === before) await vi.advanceTimersByTimeAsync(100);
      times.push(Date.now() - t0);
    }
    expect(times).toEqual([0, 1_000, 3_000, 7_000]);
    await fake.answer(REFUSED);
    expect(shown.at(-1)).toBe('gave_up');
    await vi.advanceTimersByTimeAsync(600_000);
    fake.view('online');
    expect(fake.sent).toHaveLength(5);
    expect(fake.waiting()).toBe(0);
    // The next match starts afresh.
    practice.end();
    expect(shown.at(-1)).toBe('ended');
    practice.start();
    expect(fake.sent).toHaveLength(6);
  });

  it('the match ends while the page waits to ask again: nothing is declared, not even browsing', async () => {
    const { fake, shown, practice } = setUp();
    fake.view('online');
    practice.start();
    await fake.answer(REFUSED);
    await fake.answer(REFUSED); // asked at once, refused again: the next ask waits 1 s
    practice.end();
    expect(shown.at(-1)).toBe('ended');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.sent).toEqual(['playing_pong', 'playing_pong']);
  });

  it('a refusal read after its match ended and a new one started changes nothing', async () => {
    const { fake, shown, practice } = setUp();
    practice.start();
    practice.end(); // browsing
    fake.view('online');
    practice.start();
    await fake.answer(REFUSED); // the first match's refusal
    expect(shown).toEqual([]);
    await fake.answer(OK); // browsing
    await fake.answer(OK); // the second match
    expect(shown).toEqual(['ended', 'declared']);
    expect(fake.sent).toEqual(['playing_pong', 'browsing', 'playing_pong']);
  });
});
