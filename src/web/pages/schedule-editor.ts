/**
 * The status schedule editor: a time zone and rules ("weekdays 09:00–17:00, Busy, At work").
 * Days are toggle buttons (state shown by a ✓, not tint alone); errors sit next to the form.
 */
import type { ApiClient } from '../../client/api.js';
import type { ScheduleBody, ScheduleRuleBody } from '../../protocol/index.js';
import { errorMessage } from '../lib/error-messages.js';
import { h } from '../lib/dom.js';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
type Rule = ScheduleRuleBody;

function zones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return all.includes(current) ? all : [current, ...all];
}

/** Renders the editor into `root`; resolves once loaded (or showing its error). */
export async function scheduleEditor(root: HTMLElement, api: ApiClient): Promise<void> {
  let schedule: ScheduleBody;
  try {
    schedule = await api.getSchedule();
  } catch (e) {
    const retry = h('button', { type: 'button', class: 'beacon-btn-primary mt-3' }, 'Retry');
    retry.addEventListener('click', () => void scheduleEditor(root, api));
    root.replaceChildren(h('div', { class: 'beacon-empty', role: 'alert', 'data-state': 'error' }, h('p', {}, `Could not load your schedule. ${errorMessage(e)}`), retry));
    return;
  }
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zone = schedule.rules.length === 0 ? browserZone : schedule.time_zone;
  const rules: Rule[] = schedule.rules.map((r) => ({ ...r, days: [...r.days] }));
  const zoneSelect = h('select', { id: 'schedule-zone', class: 'beacon-input w-full' }, ...zones(zone).map((z) => h('option', { value: z, selected: z === zone }, z)));
  const list = h('ol', { class: 'grid gap-3', 'data-part': 'rules' });
  const status = h('p', { id: 'schedule-status', class: 'min-h-5 text-sm text-slate-300', role: 'status' });
  const save = h('button', { type: 'submit', class: 'beacon-btn-primary' }, 'Save schedule');
  const add = h('button', { type: 'button', class: 'beacon-btn' }, 'Add a rule');

  const render = (): void => {
    list.replaceChildren(...rules.map((rule, i) => ruleRow(rule, i)));
    if (rules.length === 0) list.append(h('li', { class: 'text-sm text-slate-400', 'data-state': 'empty' }, 'No rules: your status changes only when you change it.'));
  };

  const ruleRow = (rule: Rule, i: number): HTMLElement => {
    const n = i + 1;
    const dayButtons = DAYS.map((d, k) => {
      const day = (k + 1) as Rule['days'][number];
      const b = h('button', { type: 'button', class: 'beacon-chip', 'aria-pressed': String(rule.days.includes(day)), 'aria-label': DAY_NAMES[k] },
        h('span', { class: 'beacon-chip-mark', 'aria-hidden': 'true' }, '✓'), h('span', { 'aria-hidden': 'true' }, d));
      b.addEventListener('click', () => {
        rule.days = rule.days.includes(day) ? rule.days.filter((x) => x !== day) : [...rule.days, day].sort();
        b.setAttribute('aria-pressed', String(rule.days.includes(day)));
      });
      return b;
    });
    const time = (key: 'from' | 'to', label: string) => {
      const input = h('input', { type: 'time', id: `rule-${n}-${key}`, class: 'beacon-input', value: rule[key], required: true });
      input.addEventListener('change', () => (rule[key] = input.value));
      return h('label', { class: 'grid gap-1 text-sm text-slate-200', for: `rule-${n}-${key}` }, label, input);
    };
    const statusSelect = h('select', { id: `rule-${n}-status`, class: 'beacon-input' },
      h('option', { value: 'busy', selected: rule.status === 'busy' }, 'Busy'), h('option', { value: 'away', selected: rule.status === 'away' }, 'Away'));
    statusSelect.addEventListener('change', () => (rule.status = statusSelect.value === 'away' ? 'away' : 'busy'));
    const message = h('input', { type: 'text', id: `rule-${n}-message`, class: 'beacon-input w-full', maxlength: 128, value: rule.message ?? '', placeholder: 'Optional message' });
    message.addEventListener('input', () => (rule.message = message.value.trim() === '' ? null : message.value));
    const remove = h('button', { type: 'button', class: 'beacon-btn-danger' }, `Remove rule ${n}`);
    remove.addEventListener('click', () => {
      rules.splice(i, 1);
      render();
      (list.querySelector('button') ?? add).focus();
    });
    return h('li', { class: 'beacon-panel grid gap-3 p-3', 'aria-label': `Rule ${n}` },
      h('div', { class: 'flex flex-wrap gap-1.5', role: 'group', 'aria-label': `Rule ${n}: days it starts on` }, ...dayButtons),
      h('div', { class: 'flex flex-wrap items-end gap-3' }, time('from', 'From'), time('to', 'To'),
        h('label', { class: 'grid gap-1 text-sm text-slate-200', for: `rule-${n}-status` }, 'Show me as', statusSelect)),
      h('label', { class: 'grid gap-1 text-sm text-slate-200', for: `rule-${n}-message` }, 'Message', message),
      h('div', {}, remove));
  };

  add.addEventListener('click', () => {
    rules.push({ days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', status: 'busy', message: null });
    render();
    list.querySelector<HTMLElement>('li:last-child button')?.focus();
  });

  const form = h('form', { class: 'grid gap-4', 'aria-describedby': 'schedule-status', novalidate: true },
    h('label', { class: 'grid gap-1 text-sm font-medium text-slate-100', for: 'schedule-zone' }, 'Time zone', zoneSelect),
    list, h('div', { class: 'flex flex-wrap gap-2' }, add, save), status);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const bad = rules.findIndex((r) => r.days.length === 0 || r.from === r.to);
    if (bad >= 0) {
      status.textContent = `Rule ${bad + 1}: pick at least one day, and a start different from its end.`;
      form.querySelector<HTMLElement>(`[aria-label="Rule ${bad + 1}"] button`)?.focus();
      return;
    }
    save.disabled = true;
    status.textContent = 'Saving…';
    api
      .setSchedule({ time_zone: zoneSelect.value, rules })
      .then(() => (status.textContent = rules.length === 0 ? 'Saved: no schedule.' : 'Saved. It applies right away.'))
      .catch((e: unknown) => (status.textContent = `Not saved: ${errorMessage(e)}`))
      .finally(() => (save.disabled = false));
  });
  render();
  root.replaceChildren(form);
}
