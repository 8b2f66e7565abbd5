/**
 * The privacy page's "your card as X sees it": the server's own projection (`view()` in
 * server/presence/privacy.ts, pure and shared), fed with your current card and settings,
 * so the preview can never disagree with what friends really receive. While you appear
 * offline, your own view says what others are shown (`hidden_last_seen`) and who may see it
 * (`visibility_before_hidden`): the preview feeds both in as the server keeps them.
 */
import { view } from '../../server/presence/privacy.js';
import type { Subject, ViewerTier as ServerTier } from '../../server/presence/types.js';
import type { Audience, Settings, View } from './label-types.js';

/** Who is looking. An acquaintance sees exactly what a stranger sees. */
export type ViewerTier = 'stranger' | 'acquaintance' | 'friend' | 'close_friend' | 'self';

const SERVER_TIER: Record<ViewerTier, ServerTier> = {
  stranger: 'public',
  acquaintance: 'public',
  friend: 'friend',
  close_friend: 'close_friend',
  self: 'self',
};

/** `subject` (your own card) as `viewer` would receive it under `settings`. */
export function previewView(subject: View, settings: Settings, viewer: ViewerTier): View {
  const lastSeen = subject.last_seen === null ? null : Date.parse(subject.last_seen);
  const hiddenLastSeen = subject.hidden_last_seen ? Date.parse(subject.hidden_last_seen) : null;
  const s: Subject = {
    id: subject.user_id,
    username: subject.username,
    displayName: subject.display_name,
    settings,
    presence: {
      status: subject.status,
      activity: subject.activity,
      activityDetails: subject.activity_details ?? null,
      activitySince: subject.activity_since ? Date.parse(subject.activity_since) : null,
      manualStatus: subject.manual_status === 'busy' || subject.manual_status === 'away' ? subject.manual_status : null,
      customMessage: subject.custom_message,
      customMessageExpiresAt: subject.custom_message_expires_at ? Date.parse(subject.custom_message_expires_at) : null,
      // A calendar event's message: its end goes through, so your own card says it in your zone as friends' do.
      busyUntil: subject.busy_until ? Date.parse(subject.busy_until) : null,
      busyLabel: subject.busy_label ?? null,
      lastSeen: Number.isNaN(lastSeen) ? null : lastSeen,
      lastActivity: null,
    },
    hiddenLastSeen: Number.isNaN(hiddenLastSeen) ? null : hiddenLastSeen,
    visibilityBeforeHidden: subject.visibility_before_hidden ?? null,
  };
  // Made "at" the card's own time, so only the fields the viewer may see differ.
  return view(s, SERVER_TIER[viewer], Date.parse(subject.timestamp));
}

/** `self` as it will look once they go offline, for the "after you leave" preview. */
export function asOffline(self: View, now: Date): View {
  return { ...self, status: 'offline', activity: null, last_seen: self.last_seen ?? new Date(now.getTime() - 5 * 60_000).toISOString() };
}

const WHO: Record<Audience, string> = {
  public: 'Everyone, including people who are not your friends,',
  friends: 'Your friends (except those you marked as acquaintances)',
  close_friends: 'Only the friends you marked as close friends',
  nobody: 'Nobody',
};

const AUDIENCE_ORDER: readonly Audience[] = ['public', 'friends', 'close_friends', 'nobody'];
const FIELD_WORDS = [
  ['activity_visibility', 'what you are doing (like “Playing Pong”)'],
  ['custom_message_visibility', 'your custom message'],
  ['last_seen_visibility', 'when you were last online'],
  ['pattern_visibility', 'your usual online hours'],
] as const;

function joinWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** The narrower of two audiences: who is in both. */
const narrower = (a: Audience, b: Audience): Audience => AUDIENCE_ORDER[Math.max(AUDIENCE_ORDER.indexOf(a), AUDIENCE_ORDER.indexOf(b))]!;

/**
 * Plain-language sentences explaining the settings: the status first, then one sentence
 * per audience (fields sharing an audience are named together, so the text stays short).
 * While hidden, `visibilityBeforeHidden` (your own view's `visibility_before_hidden`) is who
 * could see your status when you hid: as after a logout, only they may see that moment.
 */
export function explainSettings(settings: Settings, visibilityBeforeHidden: View['visibility_before_hidden'] = null): string[] {
  if (settings.status_visibility === 'hidden') {
    const audience = narrower(settings.last_seen_visibility, visibilityBeforeHidden ?? 'nobody');
    const seen = audience === 'nobody' ? '' : ` ${WHO[audience]} see the moment you hid as your last seen time.`;
    return [
      `You appear offline to everyone, exactly as if you had logged out now. Nobody sees your activity or message, and nothing you do while hidden shows, though you can keep using Beacon as usual.${seen}`,
    ];
  }
  const lines = [`${WHO[settings.status_visibility]} can see whether you are online, away, busy or in a game.`];
  for (const audience of AUDIENCE_ORDER) {
    const words = FIELD_WORDS.filter(([key]) => settings[key] === audience).map(([, w]) => w);
    if (words.length === 0) continue;
    // "Nobody can see X" needs no "if they can see your status" caveat.
    const caveat = audience === 'nobody' ? '' : ' (if they can also see your status)';
    lines.push(`${WHO[audience]} can see ${joinWords(words)}${caveat}.`);
  }
  lines.push('Anyone who cannot see your status sees you as offline — exactly like someone who never shared anything.');
  return lines;
}
