/**
 * A small reference model of CONTRACT.md's privacy rules, written from the contract and
 * the hardening issue alone (it imports nothing from src/): given the truth about a
 * subject (what the subject sees of itself), their settings, and where the viewer stands,
 * what the viewer must see.
 */
export type Audience = 'public' | 'friends' | 'close_friends' | 'nobody';
export type StatusVisibility = 'public' | 'friends' | 'close_friends' | 'hidden';
export type Category = 'close_friend' | 'friend' | 'acquaintance';
export type Tier = 'stranger' | 'friend' | 'close_friend' | 'self' | 'admin';

export interface ModelSettings {
  status_visibility: StatusVisibility;
  activity_visibility: Audience;
  last_seen_visibility: Audience;
  custom_message_visibility: Audience;
}

/** The privacy-relevant fields of a view. */
export interface Seen {
  status: string;
  activity: string | null;
  custom_message: string | null;
  last_seen: string | null;
  /** JSON of the activity details, or null. */
  activity_details: string | null;
  activity_since: string | null;
}

/**
 * The truth about a subject: its own view, when it hid (null if not hidden or never seen), the
 * status audience it had when it hid (null if not hidden), and when it last unhid (null if
 * never): others see no activity start before that moment.
 */
export interface Truth {
  self: Seen;
  hiddenAt: number | null;
  hiddenFrom?: StatusVisibility | null;
  unhiddenAt?: number | null;
}

/**
 * Viewer tiers, lowest to highest: stranger/acquaintance < friend < close_friend < self;
 * admins see everything. The category that counts is the one the SUBJECT gave the viewer.
 */
export function tierOf(viewerId: number, viewerIsAdmin: boolean, subjectId: number, categoryGivenBySubject: Category | null): Tier {
  if (viewerId === subjectId) return 'self';
  if (viewerIsAdmin) return 'admin';
  if (categoryGivenBySubject === 'close_friend') return 'close_friend';
  if (categoryGivenBySubject === 'friend') return 'friend';
  return 'stranger'; // an acquaintance sees only what `public` sees
}

const MEMBERS: Record<Audience | StatusVisibility, readonly Tier[]> = {
  public: ['stranger', 'friend', 'close_friend', 'self', 'admin'],
  friends: ['friend', 'close_friend', 'self', 'admin'],
  close_friends: ['close_friend', 'self', 'admin'],
  nobody: ['self', 'admin'],
  hidden: ['self', 'admin'],
};

const allowed = (audience: Audience | StatusVisibility, tier: Tier) => MEMBERS[audience].includes(tier);

/** Others see last_seen to the minute (hardening: "less to track"). */
function toMinute(iso: string | null): string | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return new Date(ms - (ms % 60_000)).toISOString();
}

/** A user who is offline and never shared a last_seen. */
const UNSEEN: Seen = { status: 'offline', activity: null, custom_message: null, last_seen: null, activity_details: null, activity_since: null };

/** What a viewer of `tier` must see of a subject with these settings and this truth. */
export function expectedView(truth: Truth, settings: ModelSettings, tier: Tier): Seen {
  const t = truth.self;
  if (tier === 'self') return t;
  const offline = t.status === 'offline';
  if (tier === 'admin') {
    // Admins see the true status even when hidden, exact; the message of an offline user is the user's own.
    return { ...t, custom_message: offline ? null : t.custom_message };
  }
  if (settings.status_visibility === 'hidden') {
    // Hidden looks like a logout at the moment of hiding, for viewers in the last_seen audience;
    // a viewer who could not see the status then sees what a logout shows them: nothing.
    if (!allowed(truth.hiddenFrom ?? 'hidden', tier)) return UNSEEN;
    const at = truth.hiddenAt === null ? null : new Date(truth.hiddenAt).toISOString();
    return { ...UNSEEN, last_seen: allowed(settings.last_seen_visibility, tier) ? toMinute(at) : null };
  }
  if (!allowed(settings.status_visibility, tier)) return UNSEEN;
  const activity = !offline && allowed(settings.activity_visibility, tier);
  return {
    status: t.status,
    activity: activity ? t.activity : null,
    custom_message: !offline && allowed(settings.custom_message_visibility, tier) ? t.custom_message : null,
    last_seen: offline && allowed(settings.last_seen_visibility, tier) ? toMinute(t.last_seen) : null,
    // Details and since follow the activity's audience; since is a timestamp, to the minute.
    activity_details: activity ? t.activity_details : null,
    activity_since: activity ? toMinute(notBefore(t.activity_since, truth.unhiddenAt ?? null)) : null,
  };
}

/** An ISO time, or `floor` (ms) when that is later: what was done while hidden stays hidden. */
function notBefore(iso: string | null, floor: number | null): string | null {
  if (iso === null || floor === null || Date.parse(iso) >= floor) return iso;
  return new Date(floor).toISOString();
}

export function seenOf(v: Record<string, unknown>): Seen {
  return {
    status: String(v.status),
    activity: (v.activity as string | null) ?? null,
    custom_message: (v.custom_message as string | null) ?? null,
    last_seen: (v.last_seen as string | null) ?? null,
    activity_details: v.activity_details === null || v.activity_details === undefined ? null : JSON.stringify(v.activity_details),
    activity_since: (v.activity_since as string | null) ?? null,
  };
}
