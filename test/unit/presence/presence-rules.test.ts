import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from '../../../src/server/presence/deadline-queue.js';
import {
  effectivePresence,
  gameActivityOf,
  isGameActivity,
  type PresenceInputs,
} from '../../../src/server/presence/presence-rules.js';

const base: PresenceInputs = {
  serverGame: null,
  present: true,
  declaredActivity: null,
  manualStatus: null,
  scheduled: null,
  autoAway: false,
};

describe('effectivePresence (status precedence)', () => {
  const table: Array<[string, Partial<PresenceInputs>, string, string | null, boolean?]> = [
    ['a server game beats everything', { serverGame: 'playing_pong', manualStatus: 'busy', autoAway: true }, 'in_game', 'playing_pong'],
    ['a server game shows without presence', { serverGame: 'in_tournament', present: false }, 'in_game', 'in_tournament'],
    ['a client game beats manual busy', { declaredActivity: 'playing_pong', manualStatus: 'busy' }, 'in_game', 'playing_pong'],
    ['a client game needs presence', { declaredActivity: 'playing_pong', present: false }, 'offline', null],
    ['manual busy beats auto-away', { manualStatus: 'busy', autoAway: true }, 'busy', 'browsing'],
    ['manual busy keeps the declared activity', { manualStatus: 'busy', declaredActivity: 'chatting' }, 'busy', 'chatting'],
    ['manual away beats online', { manualStatus: 'away' }, 'away', 'browsing'],
    ['manual away keeps the declared activity', { manualStatus: 'away', declaredActivity: 'watching_match' }, 'away', 'watching_match'],
    ['manual away beats a scheduled busy', { manualStatus: 'away', scheduled: 'busy' }, 'away', 'browsing'],
    ['manual busy beats a scheduled busy (it is the user’s, not the schedule’s)', { manualStatus: 'busy', scheduled: 'busy' }, 'busy', 'browsing'],
    ['a game beats a schedule', { serverGame: 'playing_pong', scheduled: 'busy' }, 'in_game', 'playing_pong'],
    ['a client game beats a schedule', { declaredActivity: 'playing_pong', scheduled: 'away' }, 'in_game', 'playing_pong'],
    ['a schedule beats online', { scheduled: 'busy', declaredActivity: 'chatting' }, 'busy', 'chatting', true],
    ['a schedule beats auto-away', { scheduled: 'away', autoAway: true }, 'away', 'browsing', true],
    ['a schedule needs presence', { scheduled: 'busy', present: false }, 'offline', null],
    ['online browses by default', {}, 'online', 'browsing'],
    ['online shows the declared activity', { declaredActivity: 'managing_profile' }, 'online', 'managing_profile'],
    ['auto-away is idle', { autoAway: true, declaredActivity: 'chatting' }, 'away', 'idle'],
    ['absent is offline whatever the manual status', { present: false, manualStatus: 'busy' }, 'offline', null],
    ['absent is offline with no activity', { present: false, declaredActivity: 'chatting' }, 'offline', null],
  ];
  // bySchedule: the status is the schedule's (its message shows with it), only where the schedule decides.
  it.each(table)('%s', (_name, inputs, status, activity, bySchedule = false) => {
    expect(effectivePresence({ ...base, ...inputs })).toEqual({ status, activity, bySchedule });
  });
});

describe('game activities', () => {
  it('maps a match to playing_pong and a tournament to in_tournament', () => {
    expect(gameActivityOf('match')).toBe('playing_pong');
    expect(gameActivityOf('tournament')).toBe('in_tournament');
  });

  it('recognises exactly the game activities', () => {
    expect(isGameActivity('playing_pong')).toBe(true);
    expect(isGameActivity('in_tournament')).toBe(true);
    expect(isGameActivity('chatting')).toBe(false);
    expect(isGameActivity(null)).toBe(false);
  });
});

describe('DeadlineQueue', () => {
  it('pops entries in deadline order', () => {
    const queue = new DeadlineQueue();
    const times = [50, 10, 40, 10, 30, 20, 60, 0];
    times.forEach((time, id) => queue.push(time, id));
    const popped: number[] = [];
    while (queue.size > 0) {
      popped.push(queue.peekTime());
      queue.pop();
    }
    expect(popped).toEqual([...times].sort((a, b) => a - b));
  });

  it('reports Infinity and undefined when empty', () => {
    const queue = new DeadlineQueue();
    expect(queue.peekTime()).toBe(Infinity);
    expect(queue.pop()).toBeUndefined();
  });

  it('returns the id of the earliest entry', () => {
    const queue = new DeadlineQueue();
    queue.push(5, 1);
    queue.push(3, 2);
    queue.push(4, 3);
    expect([queue.pop(), queue.pop(), queue.pop()]).toEqual([2, 3, 1]);
  });
});
