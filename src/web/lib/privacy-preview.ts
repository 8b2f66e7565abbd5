/**
 * Mirrors CONTRACT.md's privacy projection in the browser, so the privacy page can show
 * "your card as X sees it" without a round trip. The server stays the authority; this
 * only has to agree with it for the preview.
 */
import type { Audience, Settings, StatusVisibility, View } from './label-types.js';

/** Who is looking. An acquaintance sees exactly what a stranger sees. */
export type ViewerTier = 'stranger' | 'acquaintance' | 'friend' | 'close_friend' | 'self';

const RANK: Record<ViewerTier, number> = { stranger: 0, acquaintance: 0, friend: 1, close_friend: 2, self: 3 };

/** Lowest rank allowed by each audience; `nobody` still lets the owner see their own data. */
const AUDIENCE_MIN: Record<Audience, number> = { public: 0, friends: 1, close_friends: 2, nobody: 3 };
const STATUS_MIN: Record<StatusVisibility, number> = { public: 0, friends: 1, close_friends: 2, hidden: 3 };

export function audienceAllows(audience: Audience, viewer: ViewerTier): boolean {
  return RANK[viewer] >= AUDIENCE_MIN[audience];
}

export function statusVisibleTo(visibility: StatusVisibility, viewer: ViewerTier): boolean {
  return RANK[viewer] >= STATUS_MIN[visibility];
}

/**
 * `subject` as `viewer` would receive it. A viewer who may not see the status learns
 * nothing else: offline, with every other field null (indistinguishable from a user who
 * never shared a last_seen).
 */
export function previewView(subject: View, settings: Settings, viewer: ViewerTier): View {
  if (!statusVisibleTo(settings.status_visibility, viewer)) {
    return { ...subject, status: 'offline', activity: null, custom_message: null, last_seen: null };
  }
  const offline = subject.status === 'offline';
  // Like the server: last seen only describes an offline user; an offline user's message
  // is stale, so only its owner still sees it.
  const messageShown = (!offline || viewer === 'self') && audienceAllows(settings.custom_message_visibility, viewer);
  return {
    ...subject,
    activity: !offline && audienceAllows(settings.activity_visibility, viewer) ? subject.activity : null,
    custom_message: messageShown ? subject.custom_message : null,
    last_seen: offline && audienceAllows(settings.last_seen_visibility, viewer) ? subject.last_seen : null,
  };
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
] as const;

function joinWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * Plain-language sentences explaining the settings: the status first, then one sentence
 * per audience (fields sharing an audience are named together, so the text stays short).
 */
export function explainSettings(settings: Settings): string[] {
  if (settings.status_visibility === 'hidden') {
    return [
      'You appear offline to everyone. Nobody sees your activity, message or last seen time, though you can keep using Beacon as usual.',
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
