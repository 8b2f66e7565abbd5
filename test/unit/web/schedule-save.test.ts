/**
 * The Schedule page's Save when another tab or device changed the schedule since the page read
 * it (lib/schedule-save.ts): what was not changed here is taken from the server, never sent back
 * as the page read it; rules changed on both sides are not saved over.
 */
import { describe, expect, it } from 'vitest';
import type { ScheduleBody } from '../../../src/protocol/index.js';
import { planSave, sameRules } from '../../../src/web/lib/schedule-save.js';

type Rule = ScheduleBody['rules'][number];
const rule = (from: string, extra: Partial<Rule> = {}): Rule => ({ days: [1, 2, 3, 4, 5], from, to: '17:00', status: 'busy', message: null, ...extra });
const s = (time_zone: string, ...rules: Rule[]): ScheduleBody => ({ time_zone, rules });

describe('planSave', () => {
  it('sends the page’s schedule when nothing changed elsewhere', () => {
    expect(planSave(s('UTC', rule('09:00')), s('UTC', rule('08:00')), s('UTC', rule('09:00')))).toEqual({ kind: 'send', body: s('UTC', rule('08:00')), kept: [] });
  });

  it('a zone changed alone keeps the rules saved elsewhere', () => {
    expect(planSave(s('UTC', rule('09:00')), s('Europe/Paris', rule('09:00')), s('UTC', rule('10:00')))).toEqual({
      kind: 'send', body: s('Europe/Paris', rule('10:00')), kept: ['rules'],
    });
  });

  it('rules changed alone keep the zone saved elsewhere', () => {
    expect(planSave(s('UTC', rule('09:00')), s('UTC', rule('08:00')), s('Asia/Tokyo', rule('09:00')))).toEqual({
      kind: 'send', body: s('Asia/Tokyo', rule('08:00')), kept: ['zone'],
    });
  });

  it('refuses rules changed both here and elsewhere, unless both made them the same', () => {
    expect(planSave(s('UTC', rule('09:00')), s('UTC', rule('08:00')), s('UTC', rule('10:00')))).toEqual({ kind: 'conflict' });
    expect(planSave(s('UTC', rule('09:00')), s('UTC', rule('10:00')), s('UTC', rule('10:00')))).toEqual({ kind: 'send', body: s('UTC', rule('10:00')), kept: [] });
  });

  it('the zone picked here holds over one picked elsewhere', () => {
    expect(planSave(s('UTC'), s('Europe/Paris'), s('Asia/Tokyo'))).toEqual({ kind: 'send', body: s('Europe/Paris'), kept: [] });
  });
});

describe('sameRules', () => {
  it('reads days in any order and no message as null as the same', () => {
    expect(sameRules([rule('09:00', { days: [3, 1] })], [rule('09:00', { days: [1, 3] })])).toBe(true);
    expect(sameRules([rule('09:00', { message: 'x' })], [rule('09:00')])).toBe(false);
    expect(sameRules([rule('09:00'), rule('10:00')], [rule('10:00'), rule('09:00')])).toBe(false);
  });
});
