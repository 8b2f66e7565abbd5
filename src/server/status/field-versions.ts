/**
 * Inputs made on different instances reach each replica in different orders. Those that set a
 * field outright (a manual status, a custom message, a declared activity) are last-writer-wins
 * per field: each replica remembers the version of the input
 * that last set each field, and an input that arrives after a newer one set the same field
 * leaves that field alone. Every replica then ends with the newest value of every field,
 * whatever order the inputs came in, and an older input still sets the fields nobody changed
 * since (a message set on one instance is not lost to a status set on another).
 *
 * When the user left is a field too (`left`: last_seen, and the offline grace the close of the
 * last session began), set by a close or a logout. A close is never dropped (sessions belong to
 * the instance that holds them); the field only decides which stored copy's grace and last_seen
 * a re-read keeps: the newest leave, whichever instance saw it (ReplicaVersions.importStored).
 *
 * Sessions, interactions and game events are not fields here: sessions belong to one instance
 * (which sends its own in order), an interaction only moves a clock forward, and a game server
 * reports one match in order. Settings carry their database version (PresenceService#apply),
 * and so do a schedule and a calendar, which are saved to the database before they are applied:
 * the order the database wrote them in decides (PresenceEngine.setSchedule), not the order of
 * these versions, which are taken after the save and could say the opposite. Only a schedule or
 * calendar input without one (from an older instance) is a field here.
 */
import { compareVersions, type Version } from '../ports/presence-store.js';
import type { StoredReplica } from '../ports/presence-store.js';
import type { ReplicaState } from '../presence/types.js';
import type { PresenceInput } from './presence-events.js';

export type Field = 'status' | 'message' | 'activity' | 'schedule' | 'calendar' | 'left';

const FIELDS: ReadonlySet<string> = new Set<Field>(['status', 'message', 'activity', 'schedule', 'calendar', 'left']);

/**
 * Whether the input may set `left` (last_seen, the grace and the session that began it): a close
 * or a logout. It does only when it makes the user leave on the replica it reaches (the last
 * session held there ends, or a grace the logout's login began): the caller says so (`leaves`,
 * Replicas.leaves), as a close of one of several sessions changes neither last_seen nor the
 * grace and must not make that replica's values the newest. Not in fieldsOf, as the input itself
 * always applies (a session's close is its instance's, in order); only stored copies are
 * compared by it.
 */
export const setsLeft = (input: PresenceInput): boolean => input.op === 'close' || input.op === 'logout';

/** The version of the input that last set each field (a field never set here is absent). */
export type FieldVersions = Partial<Record<Field, Version>>;

/** The fields an input sets. */
export function fieldsOf(input: PresenceInput): Field[] {
  switch (input.op) {
    case 'status':
      return input.custom ? ['status', 'message'] : ['status'];
    case 'message':
      return ['message'];
    case 'activity':
      return ['activity'];
    case 'schedule':
      return input.version === undefined ? ['schedule'] : [];
    case 'calendar':
      return input.version === undefined ? ['calendar'] : [];
    default:
      return [];
  }
}

/**
 * The input as it applies to a replica whose fields are at `known` (asked for only when the
 * input sets a field, so users who never set one keep no record): with the fields a newer
 * input already set left out. Records `version` for the fields it still sets. Null when
 * nothing is left to apply; an input that was also an interaction (a status or an activity
 * set by the user) stays one.
 */
export function applicable(input: PresenceInput, version: Version, knownOf: FieldVersions | (() => FieldVersions), leaves = true): PresenceInput | null {
  if (setsLeft(input)) {
    // Always applied; the version only says how new the replica's `left` is now, if it leaves here.
    if (!leaves) return input;
    const known = typeof knownOf === 'function' ? knownOf() : knownOf;
    if (isNewer(version, known.left)) known.left = version;
    return input;
  }
  const fields = fieldsOf(input);
  if (fields.length === 0) return input;
  const known = typeof knownOf === 'function' ? knownOf() : knownOf;
  const fresh = fields.filter((f) => isNewer(version, known[f]));
  for (const f of fresh) known[f] = version;
  if (fresh.length === fields.length) return input;
  if (input.op === 'status') {
    if (fresh.includes('status')) return { ...input, custom: null };
    if (fresh.includes('message')) return { op: 'message', custom: input.custom! };
    return { op: 'interaction' };
  }
  return input.op === 'activity' ? { op: 'interaction' } : null;
}

/** Records a local input's version for every field it sets (it is the newest here); `leaves`: see setsLeft. */
export function recordFields(input: PresenceInput, version: Version, knownOf: () => FieldVersions, leaves = true): void {
  const fields = setsLeft(input) ? (leaves ? (['left'] as const) : []) : fieldsOf(input);
  if (fields.length === 0) return;
  const known = knownOf();
  for (const f of fields) known[f] = version;
}

/** Every field at one version: a replica loaded from a store copy saved without field versions. */
export function allFieldsAt(version: Version | null): FieldVersions {
  if (!version) return {};
  return { status: version, message: version, activity: version, schedule: version, calendar: version, left: version };
}

/** Whether `version` is newer than `than` (a field never set has no version: anything is newer). */
const isNewer = (version: Version, than: Version | undefined): boolean => than === undefined || compareVersions(version, than) > 0;

/**
 * The fields `own` set later than `stored` did (an import keeps those from this replica; with
 * the two swapped, the fields a stored copy otherwise older takes over this replica's). Names
 * this version does not know are left out.
 */
export function newerFields(own: Partial<Record<string, Version>>, stored: Partial<Record<string, Version>>): Field[] {
  const out: Field[] = [];
  for (const [field, version] of Object.entries(own) as Array<[Field, Version | undefined]>) {
    if (version && FIELDS.has(field) && isNewer(version, stored[field])) out.push(field);
  }
  return out;
}

/** `state` with the values of these fields taken from `own` (this replica's export, or a stored copy). */
export function withFields(state: StoredReplica, own: ReplicaState, fields: readonly Field[]): StoredReplica {
  const out = { ...state };
  for (const field of fields) {
    if (field === 'left') {
      out.lastSeen = own.lastSeen;
      out.graceUntil = own.graceUntil;
      out.graceSession = own.graceSession ?? null;
    } else if (field === 'status') out.manualStatus = own.manualStatus;
    else if (field === 'message') {
      out.customMessage = own.customMessage;
      out.customMessageExpiresAt = own.customMessageExpiresAt;
    } else if (field === 'activity') {
      out.declaredActivity = own.declaredActivity;
      out.declaredDetails = own.declaredDetails ?? null;
      out.declaredBy = own.declaredBy ?? null;
      out.declaredOrphanedAt = own.declaredOrphanedAt ?? null;
    } else if (field === 'schedule') {
      // (Set by an older instance's input.) Its database version still decides: a newer one in the copy stays.
      if ((own.scheduleVersion ?? 0) >= (state.scheduleVersion ?? 0)) {
        out.schedule = own.schedule ?? null;
        out.scheduleVersion = own.scheduleVersion ?? 0;
      }
    } else if ((own.calendarVersion ?? 0) >= (state.calendarVersion ?? 0)) {
      out.calendar = own.calendar ?? [];
      out.calendarVersion = own.calendarVersion ?? 0;
    }
  }
  return out;
}

/** Takes, field by field, the newer of the two versions into `into` (made only when `from` has one). */
export function mergeFields(into: () => FieldVersions, from: Partial<Record<string, Version>>): void {
  for (const [field, version] of Object.entries(from) as Array<[Field, Version | undefined]>) {
    if (!version) continue;
    const known = into();
    if (isNewer(version, known[field])) known[field] = version;
  }
}
