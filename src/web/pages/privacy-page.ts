/**
 * Privacy settings: one control per field, a plain-language summary, and a preview of
 * your own card as a close friend / friend / stranger would see it (computed locally by
 * previewView, which runs the server's own privacy projection). Below them, the users you
 * blocked, to unblock (blocked-panel.ts), read whether the settings load or not.
 */
import type { Page } from './page.js';
import type { Audience, Settings, StatusVisibility, View } from '../lib/label-types.js';
import { AUDIENCES, STATUS_VISIBILITIES } from '../../protocol/enums.js';
import { AUDIENCE_LABEL, STATUS_VISIBILITY_LABEL } from '../lib/labels.js';
import { asOffline, explainSettings, previewView, type ViewerTier } from '../lib/privacy-preview.js';
import { errorMessage } from '../lib/error-messages.js';
import { h } from '../lib/dom.js';
import { serverNow } from '../lib/server-time.js';
import { blockedUsersSection, wantsBlockedUsers } from './blocked-panel.js';

type Key = keyof Settings;
const FIELDS: Array<{ key: Key; label: string; hint: string }> = [
  { key: 'status_visibility', label: 'Online status', hint: 'Online, away, busy, in game. Hidden makes you appear offline.' },
  { key: 'activity_visibility', label: 'Activity', hint: 'What you are doing: “Playing Pong”, “Chatting”…' },
  { key: 'custom_message_visibility', label: 'Custom message', hint: 'The message you set in the status menu.' },
  { key: 'last_seen_visibility', label: 'Last seen', hint: 'When you were last online.' },
  {
    key: 'last_seen_approximate_visibility',
    label: 'Approximate last seen',
    hint: 'Who sees only “recently”, “within a week”… (never the moment) when not allowed the exact time.',
  },
  {
    key: 'pattern_visibility',
    label: 'Usual online hours',
    hint: 'Your weekly pattern, e.g. “Usually online weekdays 18:00–23:00”. Never shown to anyone who cannot see your status.',
  },
];
const TIERS: Array<{ tier: ViewerTier; label: string }> = [
  { tier: 'close_friend', label: 'As a close friend' },
  { tier: 'friend', label: 'As a friend' },
  { tier: 'stranger', label: 'As a stranger' },
];

export const privacyPage: Page = (root, ctx) => {
  const { client, settings: store } = ctx;
  let settings: Settings | null = null;
  /** Saves waiting for their answer, and a refusal among them: what they did is said once none is left. */
  let saving = 0;
  let refused: string | null = null;
  let tier: ViewerTier = 'friend';
  let disposed = false;
  const saved = h('p', { class: 'min-h-5 text-sm text-slate-300', role: 'status', 'data-part': 'saved' });
  const body = h('div', { class: 'grid gap-4' }, h('p', { class: 'text-slate-400', role: 'status', 'data-state': 'loading' }, 'Loading your settings…'));
  const selects = new Map<Key, HTMLSelectElement>();
  const explain = h('ul', { class: 'grid list-disc gap-1.5 pl-5 text-sm text-slate-300', 'data-part': 'explanation' });
  const card = document.createElement('beacon-friend-card');
  const offlineCard = document.createElement('beacon-friend-card');
  offlineCard.dataset.preview = 'offline';
  const tierButtons = TIERS.map(({ tier: t, label }) => {
    const b = h('button', { type: 'button', class: 'beacon-chip', 'aria-pressed': String(t === tier), 'data-tier': t },
      h('span', { class: 'beacon-chip-mark', 'aria-hidden': 'true' }, '✓'), label);
    b.addEventListener('click', () => { tier = t; update(); });
    return b;
  });

  function control(key: Key, label: string, hint: string): HTMLElement {
    const options: readonly (Audience | StatusVisibility)[] = key === 'status_visibility' ? STATUS_VISIBILITIES : AUDIENCES;
    const names: Record<string, string> = key === 'status_visibility' ? STATUS_VISIBILITY_LABEL : AUDIENCE_LABEL;
    const id = `privacy-${key}`;
    const select = h('select', { id, name: key, class: 'beacon-input w-full', 'aria-describedby': `${id}-hint` },
      ...options.map((o) => h('option', { value: o }, names[o] ?? o)));
    select.addEventListener('change', () => void save({ [key]: select.value } as Partial<Settings>));
    selects.set(key, select);
    return h('div', { class: 'grid gap-1.5' },
      h('label', { for: id, class: 'text-sm font-medium text-slate-100' }, label), select,
      h('p', { id: `${id}-hint`, class: 'text-xs text-slate-400' }, hint));
  }

  function update(): void {
    if (!settings || disposed) return;
    for (const [key, select] of selects) select.value = settings[key] ?? 'nobody';
    // Under a hidden status nobody sees activity or message (last seen still shows the moment you hid).
    for (const key of ['activity_visibility', 'custom_message_visibility'] as const) {
      const s = selects.get(key);
      if (s) s.disabled = settings.status_visibility === 'hidden';
    }
    const self: View | null = client.self;
    explain.replaceChildren(...explainSettings(settings, self?.visibility_before_hidden).map((t) => h('li', {}, t)));
    tierButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.tier === tier)));
    if (self) {
      card.view = previewView(self, settings, tier);
      offlineCard.view = previewView(asOffline(self, serverNow()), settings, tier);
    }
  }

  /**
   * Saves through the shared store, which tells every screen (this page too) of the answer, or
   * drops it when newer news overtook it (lib/settings-store.ts): two quick changes whose
   * answers cross never leave the older one on screen.
   */
  async function save(patch: Partial<Settings>): Promise<void> {
    if (saving++ === 0) refused = null;
    saved.textContent = 'Saving…';
    try {
      settings = await store.update(patch);
    } catch (e) {
      refused = `Not saved: ${errorMessage(e)}`;
    }
    if (--saving === 0) saved.textContent = refused ?? 'Saved. It applies right away.';
    update();
  }

  async function load(): Promise<void> {
    try {
      settings = await store.load();
      if (disposed) return;
      body.replaceChildren(
        h('section', { class: 'beacon-panel grid gap-4 p-4 sm:grid-cols-2 sm:p-5', 'aria-label': 'Who can see what' },
          ...FIELDS.map((f) => control(f.key, f.label, f.hint))),
        h('section', { class: 'beacon-panel p-4 sm:p-5', 'aria-labelledby': 'explain-title' },
          h('h2', { id: 'explain-title', class: 'mb-2 font-semibold text-white' }, 'In plain words'), explain),
        h('section', { class: 'beacon-panel p-4 sm:p-5', 'aria-labelledby': 'preview-title' },
          h('h2', { id: 'preview-title', class: 'font-semibold text-white' }, 'Preview your card'),
          h('p', { class: 'mb-3 text-sm text-slate-400' }, 'Acquaintances see the same as strangers.'),
          h('div', { class: 'mb-3 flex flex-wrap gap-2', role: 'group', 'aria-label': 'Preview as' }, ...tierButtons),
          h('div', { class: 'grid gap-3 md:grid-cols-2', 'aria-live': 'polite' },
            h('div', { 'data-part': 'preview' }, h('h3', { class: 'mb-1.5 text-sm text-slate-400' }, 'While you are online'), card),
            h('div', { 'data-part': 'preview-offline' }, h('h3', { class: 'mb-1.5 text-sm text-slate-400' }, 'After you go offline'), offlineCard))),
      );
      update();
    } catch (e) {
      const retry = h('button', { type: 'button', class: 'beacon-btn-primary mt-3' }, 'Retry');
      retry.addEventListener('click', () => void load());
      body.replaceChildren(h('div', { class: 'beacon-empty', role: 'alert', 'data-state': 'error' },
        h('p', {}, `Could not load your privacy settings. ${errorMessage(e)}`), retry));
    }
  }

  const blocked = blockedUsersSection(ctx.api, client, { focusWhenShown: wantsBlockedUsers(location.hash) });
  root.replaceChildren(h('div', { class: 'mx-auto grid max-w-3xl gap-4' },
    h('div', {}, h('h1', { class: 'text-xl font-bold text-white', tabindex: -1 }, 'Privacy'),
      h('p', { class: 'mt-1 text-sm text-slate-400' }, 'Choose who sees your status, activity, message and last seen time.'), saved),
    body, blocked.element));
  void load();
  const offSelf = client.on('self', () => update());
  // What the store takes in (this account's saves, pushes, other tabs' news), never another account's.
  const offStore = store.onChange((s) => {
    if (s !== settings) {
      settings = s;
      update();
    }
  });
  return () => {
    disposed = true;
    blocked.dispose();
    offSelf();
    offStore();
  };
};
