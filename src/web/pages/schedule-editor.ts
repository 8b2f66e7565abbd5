/**
 * The status schedule editor: a time zone and rules ("weekdays 09:00–17:00, Busy, At work").
 * Days are toggle buttons (state shown by a ✓, not tint alone). A rule's faults are found
 * before it is sent (lib/schedule-rule-faults.ts): each shows beside its field (aria-invalid,
 * aria-describedby), the status line names the rule and field, and the first takes focus.
 * A rule's message counts characters as people see them, as the status menu's field does.
 * The zone shown is the one Beacon uses (saved, UTC if never set), never the browser's in its
 * place: that one is only offered (zone-offer.ts), as saving the form saves the zone shown.
 * Changes not saved are never dropped without a word: the browser asks before a reload or a
 * closed tab, and another page of the app keeps them until the user is back (lib/schedule-draft.ts).
 */
import { PreconditionFailedError, type ApiClient } from '../../client/api.js';
import type { ScheduleBody, ScheduleRuleBody } from '../../protocol/index.js';
import { MAX_CUSTOM_MESSAGE } from '../../protocol/errors.js';
import { whileBusy } from '../lib/busy-button.js';
import { errorMessage } from '../lib/error-messages.js';
import { h } from '../lib/dom.js';
import { countGraphemes, limitNotice } from '../lib/graphemes.js';
import { ruleFaults, ruleFaultSummary, type RuleFault, type RuleField } from '../lib/schedule-rule-faults.js';
import type { ScheduleZone } from '../lib/schedule-zone.js';
import { copySchedule, planSave, sameRules } from '../lib/schedule-save.js';
import { hasUnsaved, keepDraft, resume, takeDraft, type ScheduleDraft } from '../lib/schedule-draft.js';
import { zoneOffer } from './zone-offer.js';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
type Rule = ScheduleRuleBody;
/** Reads and saves before Save gives up when the schedule keeps being saved elsewhere in between. */
const SAVE_ATTEMPTS = 3;

/** A rule's row in the editor: `check` shows its faults beside their fields and returns them. */
interface RuleRow {
  element: HTMLElement;
  check: () => RuleFault[];
  focus: (field: RuleField) => void;
}

function zones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return all.includes(current) ? all : [current, ...all];
}

/** Whose editor it is, and when the user leaves the page (what is not saved then is kept: lib/schedule-draft.ts). */
export interface EditorLife {
  account: number;
  left: AbortSignal;
}

/** Renders the editor into `root`; resolves once loaded (or showing its error). `zone`: the page's, told the zone read and saved. */
export async function scheduleEditor(root: HTMLElement, api: ApiClient, zone: ScheduleZone, life: EditorLife): Promise<void> {
  let schedule: ScheduleBody;
  try {
    schedule = await api.getSchedule();
  } catch (e) {
    if (life.left.aborted) return;
    const retry = h('button', { type: 'button', class: 'beacon-btn-primary mt-3' }, 'Retry');
    retry.addEventListener('click', () => void scheduleEditor(root, api, zone, life));
    root.replaceChildren(h('div', { class: 'beacon-empty', role: 'alert', 'data-state': 'error' }, h('p', {}, `Could not load your schedule. ${errorMessage(e)}`), retry));
    return;
  }
  // Left before the schedule came: nothing shown, nothing to keep (a draft left earlier stays kept).
  if (life.left.aborted) return;
  zone.known(schedule.time_zone);
  // Changes left unsaved when the user last went to another page come back, over what is read now.
  const draft = takeDraft(life.account);
  const resumed = resume(draft, schedule);
  /** The schedule as this page last read or saved it: what changed since, here or elsewhere, is told from it (lib/schedule-save.ts). */
  let base = resumed.base;
  const rules: Rule[] = resumed.mine.rules;
  const zoneSelect = h('select', { id: 'schedule-zone', class: 'beacon-input w-full', 'aria-describedby': 'schedule-zone-hint' });
  const showZone = (current: string): void => {
    zoneSelect.replaceChildren(...zones(current).map((z) => h('option', { value: z, selected: z === current }, z)));
    zoneSelect.value = current;
  };
  showZone(resumed.mine.time_zone);
  const mine = (): ScheduleDraft => ({ base, mine: { time_zone: zoneSelect.value, rules } });
  // A reload or a closed tab would lose what is not saved: the browser asks first. Another page of
  // the app keeps it for when the user comes back.
  const beforeUnload = (e: BeforeUnloadEvent): void => {
    if (!hasUnsaved(mine())) return;
    e.preventDefault();
    e.returnValue = '';
  };
  window.addEventListener('beforeunload', beforeUnload);
  life.left.addEventListener('abort', () => {
    window.removeEventListener('beforeunload', beforeUnload);
    keepDraft(life.account, mine());
  }, { once: true });
  // Saved from elsewhere on the page (the offer of the browser's zone): the field shows it.
  zone.onChange((saved) => {
    showZone(saved);
    base.time_zone = saved;
  });
  const list = h('ol', { class: 'grid gap-3', 'data-part': 'rules' });
  const status = h('p', { id: 'schedule-status', class: 'min-h-5 text-sm text-slate-300', role: 'status' });
  const save = h('button', { type: 'submit', class: 'beacon-btn-primary' }, 'Save schedule');
  const add = h('button', { type: 'button', class: 'beacon-btn' }, 'Add a rule');

  /** Shows `saved` rules in place of the page's (changed on another tab or device), and says so. */
  const showSaved = (saved: Rule[], said: string): void => {
    rules.splice(0, rules.length, ...copySchedule({ time_zone: '', rules: saved }).rules);
    render();
    status.textContent = said;
  };
  const CHANGED_ELSEWHERE = 'Your rules were changed on another tab or device: they are shown here as saved now.';
  // The offer of the browser's zone saved it with the rules the server holds: if those changed
  // elsewhere and none were changed here, the page shows them (else Save would send the old ones
  // back); rules changed here stay, and Save says they clash (base keeps the rules read before).
  zone.onSaved((saved) => {
    if (sameRules(saved.rules, base.rules) || !sameRules(rules, base.rules)) return;
    base = copySchedule(saved);
    showSaved(saved.rules, CHANGED_ELSEWHERE);
  });

  /** The rows shown: each finds and shows its rule's faults, and focuses a field. */
  let rows: RuleRow[] = [];
  const render = (): void => {
    rows = rules.map((rule, i) => ruleRow(rule, i));
    list.replaceChildren(...rows.map((row) => row.element));
    if (rules.length === 0) list.append(h('li', { class: 'text-sm text-slate-400', 'data-state': 'empty' }, 'No rules: your status changes only when you change it.'));
  };

  const ruleRow = (rule: Rule, i: number): RuleRow => {
    const n = i + 1;
    /** Each field's error, beside it (and read with it). */
    const error = (f: RuleField): HTMLElement => h('p', { id: `rule-${n}-${f}-error`, class: 'text-sm text-red-300 empty:hidden', 'data-part': 'rule-error' });
    const errors: Record<RuleField, HTMLElement> = { days: error('days'), from: error('from'), to: error('to'), message: error('message') };
    /** The faults shown; fields are checked again as they change while any shows. */
    let shown: RuleFault[] = [];
    const dayButtons = DAYS.map((d, k) => {
      const day = (k + 1) as Rule['days'][number];
      const b = h('button', { type: 'button', class: 'beacon-chip', 'aria-pressed': String(rule.days.includes(day)), 'aria-label': DAY_NAMES[k] },
        h('span', { class: 'beacon-chip-mark', 'aria-hidden': 'true' }, '✓'), h('span', { 'aria-hidden': 'true' }, d));
      b.addEventListener('click', () => {
        rule.days = rule.days.includes(day) ? rule.days.filter((x) => x !== day) : [...rule.days, day].sort();
        b.setAttribute('aria-pressed', String(rule.days.includes(day)));
        recheck();
      });
      return b;
    });
    const timeInput = (key: 'from' | 'to') => {
      const input = h('input', { type: 'time', id: `rule-${n}-${key}`, class: 'beacon-input', value: rule[key], required: true, 'aria-describedby': errors[key].id });
      input.addEventListener('change', () => {
        rule[key] = input.value;
        recheck();
      });
      return input;
    };
    const from = timeInput('from');
    const to = timeInput('to');
    const statusSelect = h('select', { id: `rule-${n}-status`, class: 'beacon-input' },
      h('option', { value: 'busy', selected: rule.status === 'busy' }, 'Busy'), h('option', { value: 'away', selected: rule.status === 'away' }, 'Away'));
    statusSelect.addEventListener('change', () => (rule.status = statusSelect.value === 'away' ? 'away' : 'busy'));
    // No maxlength: it counts UTF-16 units (64 emoji); the count and the check are in characters.
    const message = h('input', { type: 'text', id: `rule-${n}-message`, class: 'beacon-input w-full', value: rule.message ?? '', placeholder: 'Optional message',
      'aria-describedby': `rule-${n}-message-count ${errors.message.id}` });
    const count = h('p', { id: `rule-${n}-message-count`, class: 'text-xs text-slate-400', 'data-part': 'message-count' });
    /** Said as the user types near or past the limit, and only then. */
    const limit = h('p', { class: 'sr-only', role: 'status', 'data-part': 'message-limit' });
    let counted = countGraphemes(message.value.trim());
    const showCount = (): void => {
      count.textContent = `${counted}/${MAX_CUSTOM_MESSAGE} characters`;
      count.classList.toggle('text-red-300', counted > MAX_CUSTOM_MESSAGE);
      count.classList.toggle('text-slate-400', counted <= MAX_CUSTOM_MESSAGE);
    };
    message.addEventListener('input', () => {
      const text = message.value.trim();
      rule.message = text === '' ? null : text;
      const now = countGraphemes(text);
      limit.textContent = limitNotice(counted, now, MAX_CUSTOM_MESSAGE) ?? '';
      counted = now;
      showCount();
      // Past the limit it says so at once, as the status menu's field does.
      if (now > MAX_CUSTOM_MESSAGE || shown.length > 0) show(ruleFaults(rule));
    });
    showCount();
    const fields: Record<RuleField, HTMLElement> = { days: dayButtons[0]!, from, to, message };
    const show = (faults: RuleFault[]): RuleFault[] => {
      shown = faults;
      for (const f of ['days', 'from', 'to', 'message'] as const) {
        const fault = faults.find((x) => x.field === f);
        errors[f].textContent = fault?.message ?? '';
        // The days are a group of toggles: the error is read with the group, not set on a button.
        if (f === 'days') continue;
        if (fault) fields[f].setAttribute('aria-invalid', 'true');
        else fields[f].removeAttribute('aria-invalid');
      }
      return faults;
    };
    const recheck = (): void => {
      if (shown.length > 0) show(ruleFaults(rule));
    };
    const remove = h('button', { type: 'button', class: 'beacon-btn-danger' }, `Remove rule ${n}`);
    remove.addEventListener('click', () => {
      rules.splice(i, 1);
      render();
      (list.querySelector('button') ?? add).focus();
    });
    const label = (field: 'from' | 'to', text: string, input: HTMLElement) =>
      h('div', { class: 'grid gap-1' }, h('label', { class: 'grid gap-1 text-sm text-slate-200', for: `rule-${n}-${field}` }, text, input), errors[field]);
    const element = h('li', { class: 'beacon-panel grid gap-3 p-3', 'aria-label': `Rule ${n}` },
      h('div', { class: 'grid gap-1' },
        h('div', { class: 'flex flex-wrap gap-1.5', role: 'group', 'aria-label': `Rule ${n}: days it starts on`, 'aria-describedby': errors.days.id }, ...dayButtons),
        errors.days),
      h('div', { class: 'flex flex-wrap items-start gap-3' }, label('from', 'From', from), label('to', 'To', to),
        h('label', { class: 'grid gap-1 text-sm text-slate-200', for: `rule-${n}-status` }, 'Show me as', statusSelect)),
      h('div', { class: 'grid gap-1' },
        h('label', { class: 'grid gap-1 text-sm text-slate-200', for: `rule-${n}-message` }, 'Message', message), count, limit, errors.message),
      h('div', {}, remove));
    return { element, check: () => show(ruleFaults(rule)), focus: (field) => fields[field].focus() };
  };

  add.addEventListener('click', () => {
    rules.push({ days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', status: 'busy', message: null });
    render();
    list.querySelector<HTMLElement>('li:last-child button')?.focus();
  });

  const form = h('form', { class: 'grid gap-4', 'aria-describedby': 'schedule-status', novalidate: true },
    h('div', { class: 'grid gap-1' },
      h('label', { class: 'grid gap-1 text-sm font-medium text-slate-100', for: 'schedule-zone' }, 'Time zone', zoneSelect),
      h('p', { id: 'schedule-zone-hint', class: 'text-xs text-slate-400' }, 'Your rules, your calendar’s messages and all-day events, and your week’s hours use it.'),
      zoneOffer(zone)),
    list, h('div', { class: 'flex flex-wrap gap-2' }, add, save), status);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    // Every rule is checked (each shows its faults); the status line names them, the first takes focus.
    const bad = rows.map((row, i) => ({ row, rule: i + 1, faults: row.check() })).filter((r) => r.faults.length > 0);
    if (bad.length > 0) {
      status.textContent = `Not saved: ${ruleFaultSummary(bad)}`;
      bad[0]!.row.focus(bad[0]!.faults[0]!.field);
      return;
    }
    // Busy, not disabled: a Save pressed from the keyboard keeps focus (lib/busy-button.ts).
    void whileBusy(save, async () => {
      status.textContent = 'Saving…';
      try {
        await saveSchedule();
      } catch (e) {
        status.textContent = `Not saved: ${errorMessage(e)}`;
      }
    });
  });

  /**
   * Reads the schedule again, then saves what was changed here over it (lib/schedule-save.ts):
   * the API saves it whole, and sending back what this page read would undo a change saved on
   * another tab or device since. The save names the version read (If-Match): one saved
   * elsewhere between that read and this save is refused (412), never lost; the page then reads
   * and plans again, so the user is told what changed there (kept, or clashing with theirs).
   */
  const saveSchedule = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const { value: fresh, version } = await api.getVersionedSchedule();
      const plan = planSave(base, { time_zone: zoneSelect.value, rules }, fresh);
      if (plan.kind === 'conflict') {
        // Told, not saved over; what was typed here stays. A second Save replaces theirs knowingly.
        // A zone left alone here shows the one saved elsewhere; one picked here stays picked.
        const zoneHere = zoneSelect.value !== base.time_zone;
        base = copySchedule(fresh);
        if (!zoneHere) zone.known(fresh.time_zone);
        status.textContent = 'Not saved: your rules were changed on another tab or device since this page read them. Save again to replace them with the ones shown here, or reload the page to see theirs.';
        return;
      }
      let saved: ScheduleBody;
      try {
        saved = await api.setSchedule(plan.body, { ifVersion: version });
      } catch (e) {
        // Saved elsewhere since the read just made: read it again (a few times at most).
        if (e instanceof PreconditionFailedError && attempt < SAVE_ATTEMPTS) continue;
        throw e;
      }
      base = copySchedule(saved);
      zone.known(saved.time_zone);
      const done = saved.rules.length === 0 ? 'Saved: no schedule.' : 'Saved. It applies right away.';
      const kept = plan.kept.map((k) => (k === 'rules' ? 'your rules' : 'your time zone')).join(' and ');
      const elsewhere = kept === '' ? '' : ` ${kept[0]!.toUpperCase()}${kept.slice(1)} had been changed on another tab or device: kept, and shown here.`;
      if (plan.kept.includes('rules')) showSaved(saved.rules, done + elsewhere);
      else status.textContent = done + elsewhere;
      return;
    }
  };
  render();
  root.replaceChildren(form);
  if (draft && hasUnsaved(resumed)) status.textContent = 'Your changes from before are back, not saved yet: Save schedule keeps them.';
}
