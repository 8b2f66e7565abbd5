/**
 * What is wrong with a status schedule rule, field by field, before it is sent: the editor
 * (pages/schedule-editor.ts) shows each fault beside its field and names the rule and field in
 * its status line (WCAG 3.3.1), where the server's refusal would name neither. A message counts
 * characters as people see them (lib/graphemes.ts), as the server and the status menu's
 * message field do.
 */
import type { ScheduleRuleBody } from '../../protocol/index.js';
import { MAX_CUSTOM_MESSAGE } from '../../protocol/errors.js';
import { errorSummary } from './form-errors.js';
import { countGraphemes, hasUnsafeText, tooManyCharacters } from './graphemes.js';

export type RuleField = 'days' | 'from' | 'to' | 'message';

export interface RuleFault {
  field: RuleField;
  message: string;
}

/** Each field's name as the editor shows it. */
export const RULE_FIELD_LABEL: Record<RuleField, string> = { days: 'Days', from: 'From', to: 'To', message: 'Message' };

/** What the server would refuse in the message's text (protocol/text.ts), in the user's words. */
const UNSAFE_MESSAGE = 'Messages can\u2019t hold tabs, line breaks or hidden text-direction controls. Remove them and save again.';

/** The faults of `rule`, in the order of its fields; none for a rule the server takes. */
export function ruleFaults(rule: Pick<ScheduleRuleBody, 'days' | 'from' | 'to' | 'message'>): RuleFault[] {
  const faults: RuleFault[] = [];
  if (rule.days.length === 0) faults.push({ field: 'days', message: 'Pick at least one day.' });
  // A time field cleared, or not filled in whole, has no value.
  if (rule.from === '') faults.push({ field: 'from', message: 'Enter the time it starts.' });
  if (rule.to === '') faults.push({ field: 'to', message: 'Enter the time it ends.' });
  else if (rule.to === rule.from) faults.push({ field: 'to', message: 'Choose an end different from the start.' });
  const message = rule.message ?? '';
  const n = countGraphemes(message);
  if (n > MAX_CUSTOM_MESSAGE) faults.push({ field: 'message', message: tooManyCharacters(n - MAX_CUSTOM_MESSAGE) });
  else if (hasUnsafeText(message)) faults.push({ field: 'message', message: UNSAFE_MESSAGE });
  return faults;
}

/** "Rule 2, From: Enter the time it starts. Rule 2, Message: 1 character too many." */
export function ruleFaultSummary(rules: ReadonlyArray<{ rule: number; faults: ReadonlyArray<RuleFault> }>): string {
  return errorSummary(rules.flatMap(({ rule, faults }) => faults.map(({ field, message }) => ({ label: `Rule ${rule}, ${RULE_FIELD_LABEL[field]}`, message }))));
}
