/**
 * What the "Still there?" dialog says, in each of its phases, about who sees the user: the
 * server's own rule for each kind of viewer (seesStatus, through previewView) in the words the
 * Play page uses for the audience. Never "your friends" when only close friends see the status,
 * never "away" or "online" to anyone while the user appears offline, and, while the connection
 * is not live (the header's status menu's rule, statusUnavailable), nothing about what friends
 * see but that they may already see the user offline.
 */
import type { Settings } from './label-types.js';
import { MAY_SEE_OFFLINE, seesStatus, widestWho, type Who } from './own-presence.js';
import { statusUnavailable, type ConnectionFacts } from './status-unavailable.js';

/**
 * `soon`: asked, not away yet; `away`: the probe ran out (auto-away); `back`: away, then back
 * through input here; `still`: input here answered the probe before it ran out.
 */
export type StillTherePhase = 'soon' | 'away' | 'back' | 'still';

const LEAD: Record<StillTherePhase, string> = {
  soon: 'You have been inactive for a while.',
  away: 'You have been inactive for a while.',
  back: 'Welcome back.',
  still: 'Welcome back.',
};

/** The user's own status, claiming nothing about anyone else. */
const OWN: Record<StillTherePhase, string> = {
  soon: 'You will soon be away.',
  away: 'You are now away.',
  back: 'You are online again.',
  still: 'You are still online.',
};

/** What `who` sees of the user. */
const SEEN: Record<StillTherePhase, (who: Who) => string> = {
  soon: (w) => `${w.subject} will soon see you as away.`,
  away: (w) => `${w.subject} now ${w.see} you as away.`,
  back: (w) => `${w.subject} ${w.see} you online again.`,
  still: (w) => `${w.subject} still ${w.see} you online.`,
};

const HIDDEN = 'You appear offline, so everyone keeps seeing you as offline.';

/** The reason as a sentence ("Reconnecting…" already ends as one). */
const sentence = (reason: string): string => (/[.…]$/.test(reason) ? reason : `${reason}.`);

/**
 * The dialog's text in `phase`, under `settings` (null: not known yet, so nothing is said about
 * others), with the client's `connection` (null: none).
 */
export function stillThereText(phase: StillTherePhase, settings: Settings | null, connection: ConnectionFacts | null): string {
  const sees = settings ? seesStatus(settings, phase === 'soon' || phase === 'away' ? 'away' : 'online') : null;
  const hidden = sees !== null && !sees('close_friend');
  const unavailable = statusUnavailable(connection);
  if (unavailable !== null) return `${LEAD[phase]} ${sentence(unavailable)} ${hidden ? HIDDEN : MAY_SEE_OFFLINE}`;
  const who = sees && widestWho(sees, true);
  if (!sees || !who) return [LEAD[phase], OWN[phase], hidden ? HIDDEN : null].filter(Boolean).join(' ');
  return [LEAD[phase], SEEN[phase](who), sees('friend') ? null : 'Other friends see you offline.'].filter(Boolean).join(' ');
}
