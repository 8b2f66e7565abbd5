/**
 * TypeBox schemas of every REST body and response in CONTRACT.md. Routes use them for
 * validation and OpenAPI; the browser SDK imports the derived types.
 */
import { Type, type Static, type TSchema } from 'typebox';
import {
  ACTIVITIES,
  AUDIENCES,
  FRIEND_CATEGORIES,
  GAME_EVENTS,
  MANUAL_STATUSES,
  MAX_ID,
  MAX_STATUS_BATCH,
  ROLES,
  STATUSES,
  STATUS_VISIBILITIES,
} from './enums.js';
import { MAX_CUSTOM_MESSAGE, MAX_CUSTOM_MESSAGE_RAW } from './errors.js';
import { MAX_DISPLAY_NAME, MAX_PASSWORD, MAX_PASSWORD_ENTERED, MAX_USERNAME, MIN_PASSWORD, MIN_USERNAME, NAME_UNSAFE_CLASS, USERNAME_PATTERN } from './text.js';

const strict = { additionalProperties: false } as const;
const nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const Id = Type.Integer({ minimum: 1, maximum: MAX_ID });
export const Timestamp = Type.String({ format: 'date-time' });
export const StatusT = Type.Enum(STATUSES);
export const ManualStatusT = Type.Enum(MANUAL_STATUSES);
export const ActivityT = Type.Enum(ACTIVITIES);
export const AudienceT = Type.Enum(AUDIENCES);
export const StatusVisibilityT = Type.Enum(STATUS_VISIBILITIES);
export const FriendCategoryT = Type.Enum(FRIEND_CATEGORIES);
export const RoleT = Type.Enum(ROLES);
export const Username = Type.String({ minLength: MIN_USERNAME, maxLength: MAX_USERNAME, pattern: USERNAME_PATTERN });
export const Password = Type.String({ minLength: MIN_PASSWORD, maxLength: MAX_PASSWORD });
/** What no name may hold (text.ts: what no message may hold, and the bidi marks ALM, LRM, RLM). */
const NAME_UNSAFE = NAME_UNSAFE_CLASS;
/** The characters no name may hold (a host's names have them replaced by spaces). */
export const NAME_UNSAFE_CHARS = new RegExp(`[${NAME_UNSAFE}]`, 'g');
/**
 * Friends see display names in lists, toasts and system notifications: no line breaks, control
 * characters or bidi controls, which would let a name write lines into another user's
 * notification or reverse the text around it.
 */
export const DISPLAY_NAME_PATTERN = `^[^${NAME_UNSAFE}]+$`;
export const DisplayName = Type.String({
  minLength: 1,
  maxLength: MAX_DISPLAY_NAME,
  pattern: DISPLAY_NAME_PATTERN,
  description: 'no line breaks, control characters or bidi controls',
});
/** A local time of day, HH:MM (a schedule rule's start and end). */
export const TIME_OF_DAY_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
/** At most MAX_CUSTOM_MESSAGE characters as people see them (checked by the server), and MAX_CUSTOM_MESSAGE_RAW code points. */
export const CustomMessage = Type.String({ maxLength: MAX_CUSTOM_MESSAGE_RAW, description: `at most ${MAX_CUSTOM_MESSAGE} characters (grapheme clusters)` });

export const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() });

export const User = Type.Object({ id: Id, username: Type.String(), display_name: Type.String(), role: RoleT });
export type User = Static<typeof User>;

export const RegisterBody = Type.Object(
  { username: Username, password: Password, display_name: Type.Optional(DisplayName) },
  strict,
);
export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_ENTERED }),
    // Any value: one that is not a token of this account (forged, cut, null, too long) is an unknown device, never a 400.
    device_token: Type.Optional(
      Type.Unknown({ description: 'the device_token (a string) of an earlier login or sign-up of this account on this device; anything else counts as an unknown device' }),
    ),
  },
  strict,
);
export const AuthResponse = Type.Object({
  token: Type.String(),
  user: User,
  device_token: Type.String({ description: 'keep it on this device and send it with the next login of this account' }),
});
export type AuthResponse = Static<typeof AuthResponse>;
export const UserSearchQuery = Type.Object({ query: Type.String({ minLength: 1, maxLength: MAX_USERNAME }) }, strict);

export const FriendRequest = Type.Object({
  id: Id,
  from_user_id: Id,
  to_user_id: Id,
  created_at: Timestamp,
});
export type FriendRequest = Static<typeof FriendRequest>;
export const Friend = Type.Object({
  user_id: Id,
  username: Type.String(),
  display_name: Type.String(),
  category: FriendCategoryT,
  since: Timestamp,
});
export type Friend = Static<typeof Friend>;
export const FriendRequestBody = Type.Object({ user_id: Id }, strict);
export const FriendPatchBody = Type.Object({ category: FriendCategoryT }, strict);
/** PATCH /users/me: the caller's display name (trimmed; not blank). */
export const ProfilePatchBody = Type.Object({ display_name: DisplayName }, strict);
export const FriendRequestList = Type.Object({ incoming: Type.Array(FriendRequest), outgoing: Type.Array(FriendRequest) });
export type FriendRequestList = Static<typeof FriendRequestList>;

/** What one viewer may see of one user. Hidden fields are null; hidden status is `offline`. */
export const View = Type.Object({
  user_id: Id,
  username: Type.String(),
  display_name: Type.String(),
  status: StatusT,
  activity: nullable(ActivityT),
  custom_message: nullable(Type.String()),
  last_seen: nullable(Timestamp),
  timestamp: Timestamp,
  /** Details of the activity (a game's opponent, score, mode…); follows the activity audience. */
  activity_details: Type.Optional(nullable(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])))),
  /** When the current activity started; follows the activity audience. */
  activity_since: Type.Optional(nullable(Timestamp)),
  /** For viewers allowed only an approximate last seen: how long ago, never the moment. */
  last_seen_approx: Type.Optional(nullable(Type.Union([Type.Literal('recently'), Type.Literal('within_week'), Type.Literal('within_month'), Type.Literal('long_ago')]))),
  /** Present (true) when the viewer may read the user's usual hours (GET /users/:id/pattern); absent otherwise. */
  pattern_shared: Type.Optional(Type.Boolean()),
  /**
   * Only while the custom message shown is a calendar event's ("In a meeting until 15:00 UTC+1"):
   * when the busy stretch it tells ends, and the message without that time ("In a meeting").
   * Clients say the end in the viewer's own zone and words ("In a meeting until 9:00 AM").
   * Absent otherwise; they follow the custom message's audience.
   */
  busy_until: Type.Optional(nullable(Timestamp)),
  busy_label: Type.Optional(nullable(Type.String())),
  /** Only in the user's own view: when the custom message clears itself, or null for never. */
  custom_message_expires_at: Type.Optional(nullable(Timestamp)),
  /**
   * Only in the user's own view: the status the user chose (`online` = automatic mode). It
   * differs from `status` while a game, the status schedule, the calendar or idleness decides.
   */
  manual_status: Type.Optional(ManualStatusT),
  /**
   * Only in the user's own view, only while they appear offline: the last_seen others are shown
   * meanwhile (the moment they hid, or their last_seen then; null: none), exact.
   */
  hidden_last_seen: Type.Optional(nullable(Timestamp)),
  /**
   * Only in the user's own view, only while they appear offline: the status audience they had
   * when they hid. Only viewers in it (and in the last_seen audiences) see `hidden_last_seen`,
   * and unhiding restores it. Null: not known (nobody sees it; unhiding restores close_friends).
   */
  visibility_before_hidden: Type.Optional(nullable(Type.Enum(['public', 'friends', 'close_friends'] as const))),
});
export type View = Static<typeof View>;
/** Scalar details of an activity, as views carry them. */
export type ActivityDetails = Record<string, string | number | boolean>;

export const Settings = Type.Object({
  status_visibility: StatusVisibilityT,
  activity_visibility: AudienceT,
  last_seen_visibility: AudienceT,
  custom_message_visibility: AudienceT,
  /** Who sees an approximate last seen ("recently", "within a week"…) when not allowed the exact one. Default nobody. */
  last_seen_approximate_visibility: Type.Optional(AudienceT),
  /** Who sees your weekly pattern ("Usually online weekdays 18:00–23:00"). Default nobody. */
  pattern_visibility: Type.Optional(AudienceT),
});
export type Settings = Static<typeof Settings>;
export const SettingsPatch = Type.Partial(Settings, strict);
export type SettingsPatch = Static<typeof SettingsPatch>;

/** A recurring status rule in the user's own time zone; `to` not after `from` ends the next day. */
export const ScheduleRuleBody = Type.Object(
  {
    days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, uniqueItems: true, description: 'ISO weekdays the rule starts on: 1 = Monday … 7 = Sunday' }),
    from: Type.String({ pattern: TIME_OF_DAY_PATTERN, description: 'local start, HH:MM' }),
    to: Type.String({ pattern: TIME_OF_DAY_PATTERN, description: 'local end, HH:MM' }),
    status: Type.Union([Type.Literal('away'), Type.Literal('busy')]),
    message: Type.Optional(nullable(CustomMessage)),
  },
  strict,
);
export type ScheduleRuleBody = Static<typeof ScheduleRuleBody>;
/** A user's status schedule (GET and PUT /users/me/status/schedule). */
export const ScheduleBody = Type.Object(
  {
    time_zone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Paris' }),
    rules: Type.Array(ScheduleRuleBody, { maxItems: 20 }),
  },
  strict,
);
export type ScheduleBody = Static<typeof ScheduleBody>;

/** Your calendar feed, as GET/PUT /users/me/calendar answer (the URL itself is never sent back). */
export const CalendarInfo = Type.Object({
  configured: Type.Boolean(),
  /** Where the feed lives: scheme and host only. */
  host: nullable(Type.String()),
  share_titles: Type.Boolean(),
  refreshed_at: nullable(Timestamp),
  /** Why the last refresh failed, in words fit for the user; null when it worked. */
  error: nullable(Type.String()),
});
export type CalendarInfo = Static<typeof CalendarInfo>;

/** Your own pattern, as GET /users/me/status/history answers. */
export const HistoryInfo = Type.Object({
  time_zone: Type.String(),
  from: Timestamp,
  to: Timestamp,
  heatmap: Type.Array(Type.Array(nullable(Type.Number()), { minItems: 24, maxItems: 24 }), {
    minItems: 7,
    maxItems: 7,
    description: 'share of time present (any status but offline) per ISO weekday (0 = Monday) and local hour; null where never observed',
  }),
  summary: Type.String(),
});
export type HistoryInfo = Static<typeof HistoryInfo>;

export const SetStatusBody = Type.Object(
  {
    status: ManualStatusT,
    custom_message: Type.Optional(nullable(CustomMessage)),
    expires_at: Type.Optional(nullable(Timestamp)),
  },
  strict,
);
export type SetStatusBody = Static<typeof SetStatusBody>;
export const ActivityBody = Type.Object(
  {
    activity: ActivityT,
    details: Type.Optional(Type.Object({}, { additionalProperties: true, maxProperties: 16 })),
    /** The socket declaring it (its `ready.session_id`): a client game lasts while that socket does (protocol.md §5). */
    session_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  strict,
);
export type ActivityBody = Static<typeof ActivityBody>;
/** `reconnect=1`: the client polls by itself after its connection was lost. Still accepted; no poll counts as interaction now (docs/protocol.md §5). */
/** `?ids=3,17,42`: up to MAX_STATUS_BATCH ids, comma-separated (the handler checks each id's range and the count). */
export const UsersStatusQuery = Type.Object({ ids: Type.String({ pattern: '^[1-9][0-9]{0,9}(,[1-9][0-9]{0,9})*$', maxLength: 11 * MAX_STATUS_BATCH * 2 }) }, strict);
export const FriendsStatusQuery = Type.Object({ online: Type.Optional(Type.Boolean()), reconnect: Type.Optional(Type.Literal('1')) }, strict);

export const GameEventBody = Type.Object(
  {
    event: Type.Enum(GAME_EVENTS),
    match_id: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Integer()]),
    player_ids: Type.Array(Id, { minItems: 1, maxItems: 64, uniqueItems: true }),
    details: Type.Optional(Type.Object({}, { additionalProperties: true, maxProperties: 16 })),
  },
  strict,
);
export type GameEventBody = Static<typeof GameEventBody>;

/** A user the caller blocked. */
export const BlockedUser = Type.Object({ user_id: Id, username: Type.String(), display_name: Type.String(), since: Timestamp });
export type BlockedUser = Static<typeof BlockedUser>;
export const BlockBody = Type.Object({ user_id: Id }, strict);
/** Deleting one's account: the password, entered again. */
export const DeleteAccountBody = Type.Object({ password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_ENTERED }) }, strict);

/** Changing one's password: the current one entered again, and the new one (8–128, the rules of registration). */
export const ChangePasswordBody = Type.Object({ current_password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_ENTERED }), new_password: Password }, strict);
/** One of your live logins (GET /users/me/sessions). Never its token. */
export const SessionInfo = Type.Object({
  id: Type.String({ format: 'uuid' }),
  created_at: Timestamp,
  last_used_at: Type.String({ format: 'date-time', description: 'when its token was last used (a request, or a socket connecting), to within 5 minutes' }),
  user_agent: nullable(Type.String({ description: 'the User-Agent of its login (first 256 characters)' })),
  current: Type.Boolean({ description: 'true for the login making this request' }),
});
export type SessionInfo = Static<typeof SessionInfo>;
/** How many other logins a password change or "sign out everywhere else" ended. */
export const SignedOut = Type.Object({ signed_out: Type.Integer({ minimum: 0 }) });
export type SignedOut = Static<typeof SignedOut>;
/**
 * A password change: the other logins it ended, and this device's new device token (the ones
 * made before the change name no known device any more).
 */
export const PasswordChanged = Type.Object({
  signed_out: Type.Integer({ minimum: 0 }),
  device_token: Type.String({ description: 'keep it on this device in place of the one it had, and send it with the next login of this account' }),
});
export type PasswordChanged = Static<typeof PasswordChanged>;
