/**
 * Which status audience "Appear offline" turned off goes back to. The server keeps no such
 * value for the client, so the page remembers, per account, the last status audience it saw in
 * force (every settings it learns: its own load and saves, other tabs, other devices' pushes),
 * as the account preference `previousVisibility` (session.ts: dropped with the account).
 * It used to remember it per browser, only when the switch hid the user, and to fall back on
 * `friends`: a user with `close_friends` who hid from the Privacy page, on another device, or
 * under another account of the same browser, was shown to every friend on unhiding. With
 * nothing remembered it now falls back on the narrowest audience: turning it back into a
 * wider one is the user's choice, on the Privacy page.
 */
import type { Settings, StatusVisibility } from './label-types.js';
import { readAccountPref, writeAccountPref } from './session.js';

export type ShownTo = Exclude<StatusVisibility, 'hidden'>;

/** When nothing is remembered: the narrowest audience, never one wider than the user chose. */
export const UNHIDE_FALLBACK: ShownTo = 'close_friends';

/** Notes the user's status audience from settings they have now (hidden: nothing to note). */
export function rememberStatusAudience(userId: number | null | undefined, settings: Pick<Settings, 'status_visibility'>): void {
  if (userId === null || userId === undefined || settings.status_visibility === 'hidden') return;
  writeAccountPref(userId, 'previousVisibility', settings.status_visibility);
}

/** The status audience to go back to when the user stops appearing offline. */
export function statusAudienceToRestore(userId: number | null | undefined): ShownTo {
  const v = userId === null || userId === undefined ? null : readAccountPref(userId, 'previousVisibility');
  return v === 'public' || v === 'friends' || v === 'close_friends' ? v : UNHIDE_FALLBACK;
}
