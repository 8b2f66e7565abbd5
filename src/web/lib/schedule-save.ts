/**
 * What the Schedule page's Save sends when the schedule may have changed on another tab or
 * device since the page read it. The API saves the schedule whole (PUT, protocol.md §5 "Status
 * schedules"), so the page reads it again just before saving and keeps whatever the user did
 * not change here: a save of the zone alone keeps the rules saved elsewhere, and one of the
 * rules alone keeps the zone saved elsewhere. Rules changed both here and elsewhere are not
 * saved over silently: the user is told, and a second Save replaces them. The save names the
 * version that read answered (If-Match): one saved elsewhere in between is refused (412), and
 * the page reads and plans again (schedule-editor.ts).
 */
import type { ScheduleBody } from '../../protocol/index.js';

type Rules = ScheduleBody['rules'];

/** The rules in one form for comparing: days in order, no message as null. */
function normal(rules: Rules): string {
  return JSON.stringify(rules.map((r) => ({ days: [...r.days].sort((a, b) => a - b), from: r.from, to: r.to, status: r.status, message: r.message ?? null })));
}

/** True when `a` and `b` are the same rules, in the same order. */
export function sameRules(a: Rules, b: Rules): boolean {
  return normal(a) === normal(b);
}

/** A deep copy, for the page to edit without touching what it was read from. */
export function copySchedule(s: ScheduleBody): ScheduleBody {
  return { time_zone: s.time_zone, rules: s.rules.map((r) => ({ ...r, days: [...r.days] })) };
}

export type SavePlan =
  /** `body` is sent; `kept` names what changed elsewhere and is kept (the page shows it after). */
  | { kind: 'send'; body: ScheduleBody; kept: Array<'rules' | 'zone'> }
  /** The rules changed both here and elsewhere: nothing is sent, the user is told. */
  | { kind: 'conflict' };

/**
 * `base`: the schedule as the page last read or saved it; `mine`: what the form shows;
 * `fresh`: what the server holds now.
 */
export function planSave(base: ScheduleBody, mine: ScheduleBody, fresh: ScheduleBody): SavePlan {
  const rulesHere = !sameRules(mine.rules, base.rules);
  const rulesThere = !sameRules(fresh.rules, base.rules);
  if (rulesHere && rulesThere && !sameRules(mine.rules, fresh.rules)) return { kind: 'conflict' };
  // The zone is one value the user picked here: their pick holds; left alone, the one saved elsewhere.
  const zoneHere = mine.time_zone !== base.time_zone;
  const zoneThere = fresh.time_zone !== base.time_zone;
  const kept: Array<'rules' | 'zone'> = [];
  if (rulesThere && !rulesHere) kept.push('rules');
  if (zoneThere && !zoneHere) kept.push('zone');
  return {
    kind: 'send',
    body: { time_zone: zoneHere ? mine.time_zone : fresh.time_zone, rules: rulesHere ? mine.rules : fresh.rules },
    kept,
  };
}
