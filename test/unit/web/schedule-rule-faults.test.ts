/**
 * What is wrong with a schedule rule, field by field, before it is sent: the editor shows each
 * fault beside its field and names the rule and field in its status line. A message counts
 * characters as people see them, as the server and the status menu's message field do (128
 * emoji are 128 characters, not 256). The page itself: e2e/schedule.e2e.ts.
 */
import { describe, expect, it } from 'vitest';
import { ruleFaults, ruleFaultSummary } from '../../../src/web/lib/schedule-rule-faults.js';

const rule = { days: [1, 2, 3, 4, 5] as Array<1 | 2 | 3 | 4 | 5 | 6 | 7>, from: '09:00', to: '17:00', status: 'busy' as const, message: null as string | null };

describe('ruleFaults', () => {
  it('finds nothing wrong with a whole rule, with or without a message', () => {
    expect(ruleFaults(rule)).toEqual([]);
    expect(ruleFaults({ ...rule, message: 'At work' })).toEqual([]);
  });

  it('takes a message of 128 characters as people see them, however many UTF-16 units they are', () => {
    expect(ruleFaults({ ...rule, message: '🎮'.repeat(128) })).toEqual([]);
    expect(ruleFaults({ ...rule, message: '👍🏽'.repeat(128) })).toEqual([]);
    expect(ruleFaults({ ...rule, message: '🎮'.repeat(130) })).toEqual([{ field: 'message', message: '2 characters too many.' }]);
  });

  it('names a cleared time as the field it is', () => {
    expect(ruleFaults({ ...rule, from: '' })).toEqual([{ field: 'from', message: 'Enter the time it starts.' }]);
    expect(ruleFaults({ ...rule, to: '' })).toEqual([{ field: 'to', message: 'Enter the time it ends.' }]);
  });

  it('says which field is at fault for no day and for an end equal to the start', () => {
    expect(ruleFaults({ ...rule, days: [] })).toEqual([{ field: 'days', message: 'Pick at least one day.' }]);
    expect(ruleFaults({ ...rule, to: '09:00' })).toEqual([{ field: 'to', message: 'Choose an end different from the start.' }]);
  });

  it('refuses what friends must not get in a message: line breaks, control characters', () => {
    expect(ruleFaults({ ...rule, message: 'a\tb' }).map((f) => f.field)).toEqual(['message']);
  });

  it('lists every fault of a rule, in the order of its fields', () => {
    expect(ruleFaults({ ...rule, days: [], from: '', message: '🎮'.repeat(129) }).map((f) => f.field)).toEqual(['days', 'from', 'message']);
  });
});

describe('ruleFaultSummary', () => {
  it('names the rule and the field before each fault', () => {
    expect(ruleFaultSummary([{ rule: 2, faults: [{ field: 'from', message: 'Enter the time it starts.' }, { field: 'message', message: '1 character too many.' }] }]))
      .toBe('Rule 2, From: Enter the time it starts. Rule 2, Message: 1 character too many.');
  });
});
