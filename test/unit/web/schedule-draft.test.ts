/**
 * Schedule changes left unsaved when the user opens another page (lib/schedule-draft.ts): kept for
 * that account only, taken once, never kept when nothing is unsaved; and shown again over the
 * schedule read on return so that each part changed elsewhere meanwhile, and not here, is the
 * one saved now (Save then tells the rest apart: lib/schedule-save.ts).
 */
import { describe, expect, it } from 'vitest';
import type { ScheduleBody } from '../../../src/protocol/index.js';
import { hasUnsaved, keepDraft, resume, takeDraft } from '../../../src/web/lib/schedule-draft.js';

type Rule = ScheduleBody['rules'][number];
const rule = (from: string): Rule => ({ days: [1, 2, 3, 4, 5], from, to: '17:00', status: 'busy', message: null });
const s = (time_zone: string, ...rules: Rule[]): ScheduleBody => ({ time_zone, rules });

describe('keepDraft and takeDraft', () => {
  it('keep unsaved changes for their account, once, as they were when kept', () => {
    const draft = { base: s('UTC', rule('09:00')), mine: s('UTC', rule('08:30')) };
    keepDraft(7, draft);
    // The page goes on editing its own copy (a later edit is not what was left).
    draft.mine.rules[0]!.from = '07:00';
    expect(takeDraft(7)).toEqual({ base: s('UTC', rule('09:00')), mine: s('UTC', rule('08:30')) });
    expect(takeDraft(7)).toBeNull();
  });

  it('never show one account’s changes to another, who signed in on the same tab; nor keep them past that', () => {
    keepDraft(7, { base: s('UTC', rule('09:00')), mine: s('UTC', rule('08:30')) });
    expect(takeDraft(8)).toBeNull();
    expect(takeDraft(7)).toBeNull();
  });

  it('keep nothing when nothing is unsaved (days in another order are the same rule)', () => {
    keepDraft(7, { base: s('UTC', { ...rule('09:00'), days: [1, 2] }), mine: s('UTC', { ...rule('09:00'), days: [2, 1] }) });
    expect(takeDraft(7)).toBeNull();
    expect(hasUnsaved({ base: s('UTC'), mine: s('Europe/Paris') })).toBe(true);
  });
});

describe('resume', () => {
  it('shows the schedule read now when nothing was left unsaved', () => {
    expect(resume(null, s('UTC', rule('10:00')))).toEqual({ base: s('UTC', rule('10:00')), mine: s('UTC', rule('10:00')) });
  });

  it('keeps the rules changed here over those read now, and the zone read now when it was not changed here', () => {
    const left = { base: s('UTC', rule('09:00')), mine: s('UTC', rule('08:30')) };
    expect(resume(left, s('Europe/Paris', rule('10:00')))).toEqual({ base: s('Europe/Paris', rule('09:00')), mine: s('Europe/Paris', rule('08:30')) });
  });

  it('keeps the zone picked here, and the rules read now when they were not changed here', () => {
    const left = { base: s('UTC', rule('09:00')), mine: s('Asia/Tokyo', rule('09:00')) };
    expect(resume(left, s('UTC', rule('10:00')))).toEqual({ base: s('UTC', rule('10:00')), mine: s('Asia/Tokyo', rule('10:00')) });
  });
});
