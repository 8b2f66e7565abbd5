/**
 * Changes to the status schedule not saved yet, kept while the user looks at another page of the
 * app and shown again when they come back to Schedule: leaving the page dropped them without a
 * word (a rule added, then a look at Friends, and the rule was gone). Kept in this tab's memory
 * only, for the account that made them; a reload or a closed tab is asked about by the browser
 * instead (the editor's `beforeunload`). With the changes, the schedule as the page had read it
 * (`base`), so that Save still tells what changed here from what changed elsewhere meanwhile
 * (lib/schedule-save.ts planSave).
 */
import type { ScheduleBody } from '../../protocol/index.js';
import { copySchedule, sameRules } from './schedule-save.js';

export interface ScheduleDraft {
  /** The schedule as the page last read or saved it. */
  base: ScheduleBody;
  /** What the page showed: the zone picked and the rules, as edited. */
  mine: ScheduleBody;
}

let kept: { account: number; draft: ScheduleDraft } | null = null;

/** True when `mine` is not what `base` holds: leaving now would lose it. */
export function hasUnsaved(draft: ScheduleDraft): boolean {
  return draft.mine.time_zone !== draft.base.time_zone || !sameRules(draft.mine.rules, draft.base.rules);
}

/** Keeps `draft` for `account` when it holds unsaved changes (copied: the page edits its own). */
export function keepDraft(account: number, draft: ScheduleDraft): void {
  kept = hasUnsaved(draft) ? { account, draft: { base: copySchedule(draft.base), mine: copySchedule(draft.mine) } } : null;
}

/** The changes `account` left unsaved, once: taken, they are no longer kept. */
export function takeDraft(account: number): ScheduleDraft | null {
  const found = kept?.account === account ? kept.draft : null;
  kept = null;
  return found;
}

/**
 * What the page shows once the schedule is read again (`fresh`), with `draft` the changes left
 * unsaved: each part changed there (the zone, the rules) as it was left, with the schedule it
 * was changed from as `base`; a part left alone, as it is now.
 */
export function resume(draft: ScheduleDraft | null, fresh: ScheduleBody): ScheduleDraft {
  if (!draft) return { base: copySchedule(fresh), mine: copySchedule(fresh) };
  const zoneHere = draft.mine.time_zone !== draft.base.time_zone;
  const rulesHere = !sameRules(draft.mine.rules, draft.base.rules);
  const base = copySchedule({ time_zone: zoneHere ? draft.base.time_zone : fresh.time_zone, rules: rulesHere ? draft.base.rules : fresh.rules });
  const mine = copySchedule({ time_zone: zoneHere ? draft.mine.time_zone : fresh.time_zone, rules: rulesHere ? draft.mine.rules : fresh.rules });
  return { base, mine };
}
