/**
 * Wire schemas of the integration endpoints (docs/integration.md): hosts' ids, game reports
 * naming host ids, and the sidecar service API for users and friendships.
 */
import { Type, type Static } from 'typebox';
import { FRIEND_CATEGORIES } from './enums.js';
import { GameEventBody } from './schemas.js';
import { hasUnsafeText, TEXT_UNSAFE_CLASS } from './text.js';

const strict = { additionalProperties: false } as const;

/** At most this many characters in a host's string id. */
export const MAX_HOST_ID = 128;
/** The longest a host id gets in a URL path: 128 characters of up to 4 UTF-8 bytes, each byte percent-encoded (`%XX`). */
export const MAX_HOST_ID_IN_PATH = MAX_HOST_ID * 12;
/**
 * What a host's string id may hold: anything but what no text shown to friends may hold
 * (text.ts: control characters, line and paragraph separators, bidi embeddings, overrides and
 * isolates) and half a character (an unpaired surrogate; Ajv compiles patterns with the `u`
 * flag, where a surrogate pair is one character). An id is stored, answered back to the host
 * and may reach logs: one that could write lines or reverse text there is refused at the edge.
 */
export const HOST_ID_PATTERN = `^[^${TEXT_UNSAFE_CLASS}\\ud800-\\udfff]+$`;
/** What a host's user id may be, in words (for messages refusing one). */
export const HOST_ID_RULE = `a safe integer from 1, or 1-${MAX_HOST_ID} characters without control characters, line breaks, bidi controls or unpaired surrogates`;
/** A host's id as a string (a JWT `sub`, a path parameter): 1-128 characters, HOST_ID_PATTERN. */
export const HostIdString = Type.String({ minLength: 1, maxLength: MAX_HOST_ID, pattern: HOST_ID_PATTERN });

/**
 * A host's id for one of its users: its own integer key (any safe integer from 1; those up to
 * 2,147,483,647 are kept as Beacon's ids) or a string such as a JWT `sub`.
 */
export const HostId = Type.Union([Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), HostIdString]);
export type HostId = Static<typeof HostId>;

/**
 * Whether `id` can be a host's user id, for ids that do not come through a request schema (a
 * token's claim, the identity and graph ports, the in-process API): a safe integer, or a string
 * as HostIdString says. The one rule: the schemas above state it for requests.
 */
export function isHostId(id: unknown): id is string | number {
  if (typeof id === 'number') return Number.isSafeInteger(id) && id >= 1;
  // Characters as the schema counts them (code points: an emoji is one, not two UTF-16 units).
  return typeof id === 'string' && id.length > 0 && id.length <= 2 * MAX_HOST_ID && !hasUnsafeText(id) && [...id].length <= MAX_HOST_ID;
}

const Category = Type.Enum(FRIEND_CATEGORIES);

/** POST /api/v1/games/events: standalone takes Beacon's integer ids; embedded and sidecar the host's ids. */
export const GameReportBody = Type.Object(
  { ...GameEventBody.properties, player_ids: Type.Array(HostId, { minItems: 1, maxItems: 64, uniqueItems: true }) },
  strict,
);
export type GameReportBody = Static<typeof GameReportBody>;

export const HostUserBody = Type.Object({ id: HostId, name: Type.String({ minLength: 1, maxLength: 40 }) }, strict);
export const UsersUpsertBody = Type.Object({ users: Type.Array(HostUserBody, { minItems: 1, maxItems: 1000 }) }, strict);
export type UsersUpsertBody = Static<typeof UsersUpsertBody>;

/** One friendship: `a_category` is what a gives b (what b may see of a); one left out keeps its value, `friend` on a new pair. */
export const PairBody = Type.Object(
  { a: HostId, b: HostId, a_category: Type.Optional(Category), b_category: Type.Optional(Category) },
  strict,
);
export const PairsBody = Type.Object({ pairs: Type.Array(PairBody, { minItems: 1, maxItems: 1000 }) }, strict);
export type PairsBody = Static<typeof PairsBody>;

/** The categories of one pair, for PUT /service/friendships/:a/:b. */
export const PairCategoriesBody = Type.Object({ a_category: Type.Optional(Category), b_category: Type.Optional(Category) }, strict);
export type PairCategoriesBody = Static<typeof PairCategoriesBody>;

/** A user's whole friend list; `category` is what the user gives each friend. */
export const FriendListBody = Type.Object(
  { friends: Type.Array(Type.Object({ id: HostId, category: Type.Optional(Category) }, strict), { maxItems: 5000 }) },
  strict,
);
export type FriendListBody = Static<typeof FriendListBody>;

export const PairParams = Type.Object({ a: HostIdString, b: HostIdString }, strict);
export const UserParams = Type.Object({ id: HostIdString }, strict);
