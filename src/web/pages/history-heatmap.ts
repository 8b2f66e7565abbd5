/**
 * Your week × hour pattern: a table (days × hours) whose cells are shaded by how often you
 * were online and also say it in words (the share in the cell's label) and in a mark that
 * shows without colour (forced colours, a phone without hover): "•" usually online, "◦" some
 * of the time, "–" nothing known yet. Before, only "•" had a mark, and an hour never observed,
 * one spent offline and one online a third of the time differed by shade alone.
 */
import type { ApiClient } from '../../client/api.js';
import { errorMessage } from '../lib/error-messages.js';
import { h } from '../lib/dom.js';

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/**
 * A cell's look by its share of the hour online: its shade and its mark, one set of thresholds
 * for both ("•" at least half, "◦" some of it, "–" nothing known yet, none offline).
 */
function cellLook(share: number | null): { shade: string; mark: string } {
  if (share === null) return { shade: 'bg-slate-900 text-slate-400', mark: '–' };
  if (share >= 0.75) return { shade: 'bg-emerald-400 text-slate-950', mark: '•' };
  if (share >= 0.5) return { shade: 'bg-emerald-600 text-white', mark: '•' };
  if (share > 0.1) return { shade: 'bg-emerald-900 text-slate-200', mark: '◦' };
  return { shade: 'bg-slate-800', mark: '' };
}

export async function historyHeatmap(root: HTMLElement, api: ApiClient): Promise<void> {
  try {
    const history = await api.getHistory(28);
    const hours = Array.from({ length: 24 }, (_, i) => i);
    const head = h('tr', {}, h('th', { scope: 'col', class: 'sr-only' }, 'Day'),
      ...hours.map((hr) => h('th', { scope: 'col', class: 'px-0.5 text-[10px] font-normal text-slate-400' }, hr % 3 === 0 ? String(hr).padStart(2, '0') : h('span', { class: 'sr-only' }, String(hr).padStart(2, '0')))));
    const rows = history.heatmap.map((day, d) =>
      h('tr', {}, h('th', { scope: 'row', class: 'pr-2 text-left text-xs font-normal text-slate-300' }, DAY_NAMES[d]!.slice(0, 3)),
        ...day.map((share, hr) => {
          const label = share === null ? 'no data' : `online ${Math.round(share * 100)}% of the time`;
          const { shade, mark } = cellLook(share);
          return h('td', { class: `size-5 border border-slate-950 text-center text-[10px] leading-5 ${shade}`, title: `${DAY_NAMES[d]} ${String(hr).padStart(2, '0')}:00 — ${label}`, 'aria-label': `${DAY_NAMES[d]} ${String(hr).padStart(2, '0')}:00, ${label}` },
            mark);
        })));
    root.replaceChildren(
      h('p', { class: 'mb-2 font-medium text-white', 'data-part': 'summary' }, history.summary),
      h('div', { class: 'overflow-x-auto', tabindex: 0, role: 'region', 'aria-label': 'Your week, hour by hour' },
        h('table', { class: 'border-collapse' }, h('caption', { class: 'sr-only' }, `When you were online over the last 4 weeks, in ${history.time_zone}`), h('thead', {}, head), h('tbody', {}, ...rows))),
      h('p', { class: 'mt-2 text-xs text-slate-400' }, `• = online at least half of that hour, ◦ = some of it, – = no data yet. Times in ${history.time_zone}. Only you see this.`),
    );
  } catch (e) {
    const retry = h('button', { type: 'button', class: 'beacon-btn-primary mt-3' }, 'Retry');
    retry.addEventListener('click', () => void historyHeatmap(root, api));
    root.replaceChildren(h('div', { class: 'beacon-empty', role: 'alert', 'data-state': 'error' }, h('p', {}, `Could not load your history. ${errorMessage(e)}`), retry));
  }
}
