/**
 * Type-only re-exports so pure helpers (and their unit tests) depend on the protocol's
 * vocabulary without pulling in TypeBox at run time.
 */
export type {
  Activity,
  Audience,
  FriendCategory,
  ManualStatus,
  Status,
  StatusVisibility,
} from '../../protocol/enums.js';
export type { Settings, View, User, Friend, FriendRequest } from '../../protocol/schemas.js';

/** Mirrors the SDK's ConnectionState; kept here so labels need no SDK import. */
export type ConnectionStateLabel = 'connecting' | 'connected' | 'reconnecting' | 'polling' | 'offline';

/**
 * What the app says of the connection: the SDK's state, and `catching_up` for a `reconnecting`
 * that is only the refetch after missed events on an open socket (PresenceClient.catchingUp).
 */
export type ConnectionLabel = ConnectionStateLabel | 'catching_up';
