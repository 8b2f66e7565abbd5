/**
 * What your friends see of you, in the words the header and your card use: "Invisible"
 * while you appear offline, and the audience when your status is restricted.
 */
import type { ConnectionLabel, Settings, Status, View } from './label-types.js';
import { STATUS_SHORT } from './labels.js';
import { previewView } from './privacy-preview.js';
import { asOfTime } from './as-of.js';

export interface OwnPresence {
  /** Short label for the header trigger: "Online", "Invisible", "Busy". */
  label: string;
  /** Who sees it, when not all friends: "Close friends see Online; other friends see you offline". */
  audience: string | null;
  /** `invisible` when nobody but admins sees the real status. */
  shown: Status | 'invisible';
}

export function ownPresence(self: View, settings: Settings | null): OwnPresence {
  const status = self.status;
  const word = STATUS_SHORT[status];
  if (settings?.status_visibility === 'hidden') {
    return { label: 'Invisible', audience: 'Everyone sees you as offline', shown: 'invisible' };
  }
  if (settings?.status_visibility === 'close_friends') {
    return { label: word, audience: `Close friends see ${word}; other friends see you offline`, shown: status };
  }
  if (settings?.status_visibility === 'public') {
    return { label: word, audience: 'Everyone can see your status', shown: status };
  }
  return { label: word, audience: null, shown: status };
}

/**
 * Your own view as a plain friend (tier `friend`) receives it, by the server's own rule
 * (`view()` through previewView): no activity, message or status they may not see, and
 * "offline" with nothing else while you appear offline. Until your settings are known, only
 * the status is shown: the card must never show more than friends may see.
 */
export function asFriendsSeeYou(self: View, settings: Settings | null): View {
  if (settings) return previewView(self, settings, 'friend');
  return { ...self, activity: null, activity_details: null, activity_since: null, custom_message: null, custom_message_expires_at: null };
}

/** What friends may see while your connection is not live: past the offline grace, you offline. */
export const MAY_SEE_OFFLINE = 'Friends may already see you as offline.';

/**
 * What your card must add while the connection is not live: your status may no longer be what
 * friends see (past the offline grace the server shows you offline). Null while live or
 * polling (a polling client keeps its session, so friends see it as above). While catching up
 * (the socket open) it says only that the card may be out of date. The time of the last update
 * comes with its date once that was an earlier day than `now` (lib/as-of.ts).
 */
export function ownStaleNote(state: ConnectionLabel, lastSyncAt: number | null, now: number = Date.now()): string | null {
  const parts = ownStaleParts(state, lastSyncAt, now);
  return parts && `${parts.words}${parts.time === null ? '' : ` As of ${parts.time}.`}`;
}

/** ownStaleNote in parts: its words, and the time of the last update (null: none) that the card isolates for bidi. */
export function ownStaleParts(state: ConnectionLabel, lastSyncAt: number | null, now: number = Date.now()): { words: string; time: string | null } | null {
  if (state === 'connected' || state === 'polling') return null;
  if (state === 'connecting' && lastSyncAt === null) return null;
  const time = lastSyncAt === null ? null : asOfTime(lastSyncAt, now, { seconds: true });
  // Events were missed on an open socket: friends see you as the server has you, only this card may lag.
  if (state === 'catching_up') return { words: 'Not live: catching up on missed updates. Your status shown may be out of date.', time };
  return { words: `Not live: ${state === 'offline' ? 'Beacon is unreachable' : 'reconnecting'}. ${MAY_SEE_OFFLINE}`, time };
}

/** Who may be looking at you, apart from yourself. An acquaintance sees what a stranger sees. */
export type OtherTier = 'acquaintance' | 'friend' | 'close_friend';

/** A group of viewers as a sentence subject, with "see" agreeing with it. */
export interface Who {
  subject: string;
  see: 'see' | 'sees';
}

/**
 * The widest group of tiers whose `sight` of you is `what`, or null when none: each tier sees
 * no less than the one below it (close friends ≥ friends ≥ acquaintances and strangers).
 */
export function widestWho<T>(sight: (tier: OtherTier) => T, what: T): Who | null {
  if (sight('acquaintance') === what) return { subject: 'Everyone, including people who are not your friends,', see: 'sees' };
  if (sight('friend') === what) return { subject: 'Your friends (except those you marked as acquaintances)', see: 'see' };
  if (sight('close_friend') === what) return { subject: 'Your close friends', see: 'see' };
  return null;
}

/** A bare own card with `status` and `activity`: what the tiers' sights are worked out from. */
function bareCard(status: Status, activity: View['activity']): View {
  return { user_id: 0, username: '', display_name: '', status, activity, custom_message: null, last_seen: null, timestamp: new Date(0).toISOString() };
}

/**
 * Whether a viewer of `tier` sees your `status` (anything but offline) under `settings`, by the
 * server's own rule (`view()` through previewView).
 */
export function seesStatus(settings: Settings, status: Status): (tier: OtherTier) => boolean {
  const card = bareCard(status, null);
  return (tier) => previewView(card, settings, tier).status !== 'offline';
}

/** What one kind of viewer sees of you during a match: the activity, only "In game", or offline. */
type PlaySight = 'activity' | 'in_game' | 'offline';

/**
 * Who sees what while you play a Pong match, under `settings`, by the server's own rule
 * (`view()` through previewView): "Playing Pong", only "In game", or you offline. Null
 * settings (not loaded yet) claim nothing. One or two sentences, present tense.
 */
export function whoSeesYouPlay(settings: Settings | null): string {
  const pong = '“Playing Pong”';
  if (!settings) return `Whether friends see you as ${pong} depends on your privacy settings.`;
  const playing = bareCard('in_game', 'playing_pong');
  const sight = (tier: OtherTier): PlaySight => {
    const v = previewView(playing, settings, tier);
    return v.status === 'offline' ? 'offline' : v.activity === 'playing_pong' ? 'activity' : 'in_game';
  };
  // Each tier sees no less than the one below it: close friends ≥ friends ≥ acquaintances and strangers.
  const close = sight('close_friend');
  const friend = sight('friend');
  const others = sight('acquaintance');
  if (close === 'offline') return `Nobody sees that you are playing: you appear offline to everyone.`;
  /** The widest group of tiers that see `what`, as a sentence subject with its verb. */
  const who = (what: PlaySight): string | null => {
    const w = widestWho(sight, what);
    return w && `${w.subject} ${w.see}`;
  };
  const lines: string[] = [];
  const seeActivity = who('activity');
  if (seeActivity) lines.push(`${seeActivity} you as ${pong}.`);
  const seeGame = who('in_game');
  if (seeGame) {
    const rest = others === 'in_game' ? 'Everyone else sees' : 'Other friends see';
    lines.push(seeActivity ? `${rest} only “In game”, not what you play.` : `${seeGame} only “In game”, not what you play.`);
  }
  if (others === 'offline') lines.push(friend === 'offline' ? 'Other friends see you offline.' : 'Acquaintances and everyone else see you offline.');
  return lines.join(' ');
}
