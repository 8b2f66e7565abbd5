/**
 * The privacy projection: the ONE place that decides what a viewer may see of a user.
 * REST responses, the WebSocket snapshot and every event go through `view`.
 */
import type { Audience, FriendCategory, Settings, Status, StatusVisibility, View } from '../../protocol/index.js';
import { lastSeenBucket, sameView, type LastSeenBucket } from '../../protocol/views.js';
import { isoUtc } from './iso-time.js';
import type { PresenceState, Subject, ViewerInfo, ViewerTier } from './types.js';

/** Every tier, lowest to highest; admin last as it sees everything. */
export const VIEWER_TIERS: readonly ViewerTier[] = Object.freeze(['public', 'friend', 'close_friend', 'self', 'admin']);

/** Each tier's index in VIEWER_TIERS (per-tier arrays: the fan-out's tier cache, the snapshot's JSON). */
export const TIER_INDEX: Readonly<Record<ViewerTier, number>> = Object.freeze(Object.fromEntries(VIEWER_TIERS.map((t, i) => [t, i])) as Record<ViewerTier, number>);

/**
 * Where `viewer` stands towards the subject. Categories are one-sided: what counts is the
 * category the SUBJECT gave the viewer, not the reverse.
 */
export function tierOf(viewer: ViewerInfo, subjectId: number, categoryGivenBySubject: FriendCategory | null): ViewerTier {
  if (viewer.id === subjectId) return 'self';
  if (viewer.role === 'admin') return 'admin';
  if (categoryGivenBySubject === 'close_friend') return 'close_friend';
  if (categoryGivenBySubject === 'friend') return 'friend';
  // An acquaintance sees what the public sees.
  return 'public';
}

/** Whether a viewer of `tier` belongs to `audience`. Self and admin always do. */
export function canSee(audience: Audience | StatusVisibility, tier: ViewerTier): boolean {
  if (tier === 'self' || tier === 'admin') return true;
  switch (audience) {
    case 'public':
      return true;
    case 'friends':
      return tier === 'friend' || tier === 'close_friend';
    case 'close_friends':
      return tier === 'close_friend';
    case 'nobody':
    case 'hidden':
      return false;
  }
}

/**
 * Whether a viewer of `tier` may see the user's weekly pattern: its own audience (default
 * nobody), and never where the status itself is not shown (a pattern is status over time).
 * Hidden looks like a logout: while hidden, the status audience is the one the user had when
 * they hid (`visibilityBeforeHidden`; unknown: nobody, see statusAudience), so the answer does
 * not change at the moment they hide. History records a hidden user as offline, so the pattern shows nothing
 * done while hidden.
 */
export function canSeePattern(settings: Settings, tier: ViewerTier, visibilityBeforeHidden: StatusVisibility | null = null): boolean {
  return canSee(settings.pattern_visibility ?? 'nobody', tier) && canSee(statusAudience(settings, visibilityBeforeHidden), tier);
}

/**
 * Who may see the status as a logout would show it: the status audience, or while hidden the
 * one the user had when they hid. A logout shows these viewers `offline` and the last_seen where
 * allowed; everyone else sees nothing, hidden or not. Unknown (null) is nobody, as a safeguard:
 * migration 021 filled it for users who hid before it was kept (016), so it is null now only if
 * an instance older than 016 hides someone during a rolling upgrade.
 */
function statusAudience(settings: Settings, visibilityBeforeHidden: StatusVisibility | null | undefined): StatusVisibility {
  return settings.status_visibility === 'hidden' ? (visibilityBeforeHidden ?? 'hidden') : settings.status_visibility;
}

/** The privacy-relevant fields of a View. */
type ViewFields = Pick<View, 'status' | 'activity' | 'custom_message' | 'last_seen'> & {
  activity_details: NonNullable<View['activity_details']> | null;
  activity_since: string | null;
  last_seen_approx: LastSeenBucket | null;
};

/**
 * Exactly what an offline user who never shared a last_seen looks like. A viewer who may
 * not see the status gets this and nothing else, so hidden and absent are indistinguishable.
 */
const UNSEEN: ViewFields = Object.freeze({
  status: 'offline',
  activity: null,
  custom_message: null,
  last_seen: null,
  activity_details: null,
  activity_since: null,
  last_seen_approx: null,
});

/** A user without their presence: all a viewer who may not see the status is shown anything from (unseenView). */
export type SubjectProfile = Omit<Subject, 'presence'>;

/** A user as views see them: their profile (a replica's, or a row's; only the Subject's fields are taken) with a presence. */
export function subjectOf(p: SubjectProfile, presence: PresenceState): Subject {
  return { id: p.id, username: p.username, displayName: p.displayName, presence, settings: p.settings, hiddenLastSeen: p.hiddenLastSeen, visibilityBeforeHidden: p.visibilityBeforeHidden };
}

/**
 * What a viewer of `tier` who may not see the user's status sees (outside the status audience,
 * or the user hidden: `hidden` is in no tier's audience but self's and admins'), made from the
 * profile and settings alone; null when the tier sees the status. `view` begins with it, so a
 * caller that has only the user's row (GET /users/:id/status) answers such a viewer exactly as
 * `view` would, without reading presence at all.
 */
export function unseenView(subject: SubjectProfile, tier: ViewerTier, nowMs: number): View | null {
  const visibility = subject.settings.status_visibility;
  if (canSee(visibility, tier)) return null;
  return withPattern(assemble(subject, visibility === 'hidden' ? hiddenLook(subject, tier, nowMs) : UNSEEN, nowMs), subject, tier);
}

/**
 * Marks the view of a viewer who may read the user's usual hours (GET /users/:id/pattern,
 * canSeePattern), so a change of that (the user's pattern_visibility, the category they give
 * the viewer) reaches the viewer as a change of their view, by the one fan-out path. Unchanged
 * by hiding, as canSeePattern is: hidden still looks like a logout.
 */
function withPattern(v: View, subject: SubjectProfile, tier: ViewerTier): View {
  if (tier !== 'self' && canSeePattern(subject.settings, tier, subject.visibilityBeforeHidden ?? null)) v.pattern_shared = true;
  return v;
}

/**
 * What a viewer of `tier` may see of `subject`. `timestamp` is when the view is made, never
 * when the subject last changed, which would leak activity of a hidden user.
 */
export function view(subject: Subject, tier: ViewerTier, nowMs: number): View {
  const unseen = unseenView(subject, tier, nowMs);
  if (unseen !== null) return unseen;
  const { presence, settings } = subject;
  const offline = presence.status === 'offline';
  const activityShown = !offline && canSee(settings.activity_visibility, tier);
  // Timestamps shown to others are to the minute (less to track); self and admins see them exact.
  const exact = tier === 'self' || tier === 'admin';
  const since = activityShown ? shownActivitySince(subject, exact) : null;
  const v = assemble(
    subject,
    {
      status: presence.status,
      activity: activityShown ? presence.activity : null,
      custom_message: visibleCustomMessage(subject, tier),
      ...lastSeenFields(subject, offline ? presence.lastSeen : null, tier, nowMs),
      activity_details: activityShown ? presence.activityDetails : null,
      activity_since: since === null ? null : isoUtc(exact ? since : floorToMinute(since)),
    },
    nowMs,
  );
  withPattern(v, subject, tier);
  // A calendar event's end as an instant, beside its text, for whoever sees that text.
  if (v.custom_message !== null && presence.busyUntil != null && presence.busyLabel != null) {
    v.busy_until = isoUtc(presence.busyUntil);
    v.busy_label = presence.busyLabel;
  }
  // The user's own screens offer the message with its expiry (re-saving it must not lose it); nobody else sees when it ends.
  if (tier === 'self') {
    v.custom_message_expires_at = presence.customMessage === null || presence.customMessageExpiresAt === null ? null : isoUtc(presence.customMessageExpiresAt);
    // What the user chose, apart from what shows: their status menu must not take a schedule's busy for their own choice.
    v.manual_status = presence.manualStatus ?? 'online';
    // While hidden, what others are shown meanwhile and who may see it: the privacy page previews it.
    if (settings.status_visibility === 'hidden') {
      const at = subject.hiddenLastSeen ?? null;
      v.hidden_last_seen = at === null ? null : isoUtc(at);
      v.visibility_before_hidden = subject.visibilityBeforeHidden ?? null;
    }
  }
  return v;
}

/**
 * When the activity started as this viewer may know it: others never see a start before the
 * user last unhid (what was done while hidden stays invisible, §6); self and admins see the truth.
 */
function shownActivitySince(subject: Subject, exact: boolean): number | null {
  const since = subject.presence.activitySince;
  const shownSince = subject.presence.shownSince ?? null;
  if (since === null || exact || shownSince === null) return since;
  return Math.max(since, shownSince);
}

/**
 * The status a user's history records: what their status audience sees (its widest tier is
 * close friends; everyone else sees this or less), so hidden is offline. A pattern is status
 * over time and must not tell what hidden hides (§5 "Status history and patterns").
 */
export function historyStatus(subject: Subject, nowMs: number): Status {
  return view(subject, 'close_friend', nowMs).status;
}

/** Others see last_seen and activity_since to the minute (less to track); the user and admins see them exact. */
export const LAST_SEEN_PRECISION_MS = 60_000;

function floorToMinute(ms: number): number {
  return ms - (((ms % LAST_SEEN_PRECISION_MS) + LAST_SEEN_PRECISION_MS) % LAST_SEEN_PRECISION_MS);
}

/**
 * Hidden looks like a logout at the moment the user hid: offline, and that moment as
 * last_seen for viewers in the last_seen audience who were also in the status audience the
 * user had when they hid (a logout shows anyone else nothing, so hiding and unhiding must
 * too). Nothing done while hidden moves it.
 */
function hiddenLook(subject: SubjectProfile, tier: ViewerTier, nowMs: number): ViewFields {
  const at = subject.hiddenLastSeen ?? null;
  if (at === null || !canSee(statusAudience(subject.settings, subject.visibilityBeforeHidden), tier)) return UNSEEN;
  return { ...UNSEEN, ...lastSeenFields(subject, at, tier, nowMs) };
}

/** Last seen for its audience (to the minute for others); else a bucket for the approximate audience; else nothing. */
function lastSeenFields(subject: SubjectProfile, at: number | null, tier: ViewerTier, nowMs: number): Pick<ViewFields, 'last_seen' | 'last_seen_approx'> {
  if (at === null) return { last_seen: null, last_seen_approx: null };
  const exact = tier === 'self' || tier === 'admin';
  if (canSee(subject.settings.last_seen_visibility, tier)) return { last_seen: isoUtc(exact ? at : floorToMinute(at)), last_seen_approx: null };
  if (canSee(subject.settings.last_seen_approximate_visibility ?? 'nobody', tier)) return { last_seen: null, last_seen_approx: lastSeenBucket(at, nowMs) };
  return { last_seen: null, last_seen_approx: null };
}

/**
 * The custom message, unless not for this audience or the user is offline (self still sees
 * it). Expiry is not decided here: the engine owns that deadline and clears the message, so
 * the clearing is a change like any other and reaches every viewer.
 */
function visibleCustomMessage(subject: Subject, tier: ViewerTier): string | null {
  const { presence, settings } = subject;
  if (presence.customMessage === null) return null;
  if (presence.status === 'offline' && tier !== 'self') return null;
  return canSee(settings.custom_message_visibility, tier) ? presence.customMessage : null;
}

/** One key order for every view, so that equal views also serialise identically. */
function assemble(subject: SubjectProfile, fields: ViewFields, nowMs: number): View {
  return {
    user_id: subject.id,
    username: subject.username,
    display_name: subject.displayName,
    status: fields.status,
    activity: fields.activity,
    custom_message: fields.custom_message,
    last_seen: fields.last_seen,
    timestamp: iso(nowMs),
    activity_details: fields.activity_details,
    activity_since: fields.activity_since,
    last_seen_approx: fields.last_seen_approx,
  };
}

/** The last `timestamp` written: every view of one snapshot or change is made at the same `now`. */
let isoMs = NaN;
let isoText = '';

function iso(ms: number): string {
  if (ms !== isoMs) {
    isoText = isoUtc(ms);
    isoMs = ms;
  }
  return isoText;
}

/** The view of `subject` for every tier. */
export function viewsByTier(subject: Subject, nowMs: number): Record<ViewerTier, View> {
  return {
    public: view(subject, 'public', nowMs),
    friend: view(subject, 'friend', nowMs),
    close_friend: view(subject, 'close_friend', nowMs),
    self: view(subject, 'self', nowMs),
    admin: view(subject, 'admin', nowMs),
  };
}


/**
 * The tiers whose view differs between `before` and `after`: an event goes to those viewers
 * only, so a change a viewer cannot see sends that viewer nothing.
 */
export function changedTiers(before: Subject, after: Subject, nowMs: number, beforeMs = nowMs): ViewerTier[] {
  return changedViews(before, after, nowMs, beforeMs).map((c) => c.tier);
}

/** A tier whose view changed, with what it saw before and sees now. */
export interface ChangedView {
  tier: ViewerTier;
  before: View;
  after: View;
}

/** changedTiers with the views it compared, so that callers need not make them again. */
export function changedViews(before: Subject, after: Subject, nowMs: number, beforeMs = nowMs): ChangedView[] {
  const out: ChangedView[] = [];
  for (const tier of VIEWER_TIERS) {
    const was = view(before, tier, beforeMs);
    const is = view(after, tier, nowMs);
    if (!sameView(was, is)) out.push({ tier, before: was, after: is });
  }
  return out;
}
